namespace Milter.Policy.Access;

/// <summary>
/// The exact-match key→value map (what makemap builds), looked up with span keys through an alternate lookup so a
/// probe never allocates, plus the <c>Connect:</c> CIDR extension.
/// </summary>
internal sealed class AccessTable
{
    private readonly Dictionary<string, AccessEntry> _exact;
    private readonly Dictionary<string, AccessEntry>.AlternateLookup<ReadOnlySpan<char>> _byspan;

    public AccessTable(Dictionary<string, AccessEntry> exact, CidrTable connectV4, CidrTable connectV6, IReadOnlyList<AccessEntry> entries)
    {
        _exact = exact;
        _byspan = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        ConnectV4 = connectV4;
        ConnectV6 = connectV6;
        Entries = entries;
    }

    public static AccessTable Empty { get; } =
        new(new Dictionary<string, AccessEntry>(StringComparer.Ordinal), new CidrTable(32), new CidrTable(128), []);

    public CidrTable ConnectV4 { get; }

    public CidrTable ConnectV6 { get; }

    /// <summary>Entries in file order (CIDR entries included).</summary>
    public IReadOnlyList<AccessEntry> Entries { get; }

    public int Count => Entries.Count;

    /// <summary>Exact lookup; <paramref name="loweredKey"/> must already be ASCII lower-cased.</summary>
    public AccessEntry? Find(ReadOnlySpan<char> loweredKey) =>
        _byspan.TryGetValue(loweredKey, out var entry) ? entry : null;

    public AccessEntry? Find(string key) => _exact.TryGetValue(AsciiLower(key), out var entry) ? entry : null;

    internal static string AsciiLower(string key) =>
        string.Create(key.Length, key, static (dst, src) => KeyText.CopyLower(src, dst));
}
