namespace Milter.Policy.Access;

/// <summary>
/// Extension to Sendmail: <c>Connect:</c> CIDR keys. One dictionary of masked networks per prefix length present,
/// so a lookup costs at most one probe per distinct length (≤ 33 / 129), independent of the number of entries.
/// </summary>
internal sealed class CidrTable
{
    private readonly Dictionary<UInt128, AccessEntry>?[] _byLength;
    private int[] _lengthsDescending = [];

    public CidrTable(int width)
    {
        Width = width;
        _byLength = new Dictionary<UInt128, AccessEntry>?[width + 1];
    }

    public int Width { get; }

    /// <summary>Prefix lengths present, longest first.</summary>
    public ReadOnlySpan<int> LengthsDescending => _lengthsDescending;

    public UInt128 Mask(int length) => Mask(Width, length);

    public static UInt128 Mask(int width, int length) =>
        length == 0 ? UInt128.Zero : (width == 32 ? (UInt128)(uint.MaxValue << (32 - length)) : UInt128.MaxValue << (128 - length));

    /// <summary>Adds <paramref name="network"/>/<paramref name="length"/> (host bits already cleared); false on a duplicate.</summary>
    public bool TryAdd(int length, UInt128 network, AccessEntry entry, out AccessEntry? existing)
    {
        var map = _byLength[length];
        if (map is null)
        {
            map = _byLength[length] = new Dictionary<UInt128, AccessEntry>();
            _lengthsDescending = [.. Enumerable.Range(0, Width + 1).Where(l => _byLength[l] is not null).OrderDescending()];
        }

        if (map.TryGetValue(network, out existing))
        {
            return false;
        }

        map.Add(network, entry);
        return true;
    }

    public AccessEntry? Find(int length, UInt128 address)
    {
        var map = _byLength[length];
        return map is not null && map.TryGetValue(address & Mask(length), out var entry) ? entry : null;
    }
}
