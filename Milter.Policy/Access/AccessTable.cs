namespace Milter.Policy.Access;

/// <summary>
/// The exact-match key→value map (what makemap builds), looked up with span keys through an alternate lookup so a
/// probe never allocates, plus the <c>Connect:</c> CIDR extension.
/// </summary>
internal sealed class AccessTable
{
    /// <summary>More distinct key heads than this and <see cref="MayContain"/> stops filtering (a list scan would cost more).</summary>
    private const int MaxHeads = 16;

    private readonly Dictionary<string, AccessEntry> _exact;
    private readonly Dictionary<string, AccessEntry>.AlternateLookup<ReadOnlySpan<char>> _byspan;
    private readonly string[]? _heads;
    private readonly bool _hasHeadless;

    public AccessTable(Dictionary<string, AccessEntry> exact, CidrTable connectV4, CidrTable connectV6, IReadOnlyList<AccessEntry> entries)
    {
        _exact = exact;
        _byspan = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        ConnectV4 = connectV4;
        ConnectV6 = connectV6;
        Entries = entries;
        (_heads, _hasHeadless) = Heads(exact);
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

    /// <summary>
    /// False when no stored key starts like <paramref name="key"/> up to its first colon (<c>connect:</c>,
    /// <c>ipv6:</c>, …, or "no colon"). Every walk step probes the bare key after the tagged one; most tables have no
    /// untagged keys, so this answers those probes without hashing the key.
    /// </summary>
    public bool MayContain(ReadOnlySpan<char> key)
    {
        if (_heads is null)
        {
            return true;
        }

        var colon = key.IndexOf(':');
        if (colon < 0)
        {
            return _hasHeadless;
        }

        var head = key[..(colon + 1)];
        foreach (var candidate in _heads)
        {
            if (head.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    internal static string AsciiLower(string key) =>
        string.Create(key.Length, key, static (dst, src) => KeyText.CopyLower(src, dst));

    private static (string[]? Heads, bool HasHeadless) Heads(Dictionary<string, AccessEntry> exact)
    {
        var heads = new HashSet<string>(StringComparer.Ordinal);
        var bySpan = heads.GetAlternateLookup<ReadOnlySpan<char>>();
        var headless = false;
        foreach (var key in exact.Keys)
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                headless = true;
            }
            else if (bySpan.Add(key.AsSpan(0, colon + 1)) && heads.Count > MaxHeads)
            {
                return (null, true);
            }
        }

        return ([.. heads], headless);
    }
}
