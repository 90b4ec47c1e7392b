namespace Milter.Policy.Access;

/// <summary>
/// An immutable, validated policy: the access table, class R (relay-domains), class w (local-host-names), a
/// version and the load time. Built by <see cref="RuleSetLoader"/>; swapped atomically through <see cref="RuleSetHolder"/>.
/// </summary>
public sealed class RuleSet
{
    internal RuleSet(long version, DateTimeOffset loadedAt, AccessTable access, HostClass relayDomains, HostClass localHostNames, IReadOnlyList<RuleSetSource> sources)
    {
        Version = version;
        LoadedAt = loadedAt;
        Access = access;
        RelayDomains = relayDomains;
        LocalHostNames = localHostNames;
        Sources = sources;
    }

    /// <summary>An empty rule set (version 0): no entries, empty classes.</summary>
    public static RuleSet Empty { get; } =
        new(0, DateTimeOffset.UnixEpoch, AccessTable.Empty, HostClass.Empty('R'), HostClass.Empty('w'), []);

    /// <summary>Increases with every successful load of the same <see cref="RuleSetLoader"/>.</summary>
    public long Version { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>Class R as read from relay-domains.</summary>
    public HostClass RelayDomains { get; }

    /// <summary>Class w as read from local-host-names (the engine adds localhost, the host name and own addresses).</summary>
    public HostClass LocalHostNames { get; }

    public IReadOnlyList<RuleSetSource> Sources { get; }

    /// <summary>Access entries in file order.</summary>
    public IReadOnlyList<AccessEntry> AccessEntries => Access.Entries;

    internal AccessTable Access { get; }

    /// <summary>Exact lookup of one key as makemap stored it (case-folded), e.g. <c>Connect:10.1.2.3</c>.</summary>
    public AccessEntry? FindAccess(string key) => Access.Find(key);

    public override string ToString() =>
        $"rule set v{Version} loaded {LoadedAt:O}: {Access.Count} access entries, class R {RelayDomains.Count}, class w {LocalHostNames.Count}";
}
