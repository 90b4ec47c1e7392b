using Milter.Policy.Access;
using Milter.Policy.Tracing;

namespace Milter.Policy.Engine;

/// <summary>One decision's view: the rule-set snapshot, the optional trace and the SKIP switch.</summary>
internal readonly struct Lookup
{
    private readonly AccessTable _table;

    public Lookup(RuleSet rules, PolicyTrace? trace, bool skipEnabled)
    {
        Rules = rules;
        _table = rules.Access;
        Trace = trace;
        SkipEnabled = skipEnabled;
    }

    public RuleSet Rules { get; }

    public PolicyTrace? Trace { get; }

    public bool SkipEnabled { get; }

    public AccessTable Table => _table;

    public AccessEntry? Find(ReadOnlySpan<char> key)
    {
        var hit = _table.Find(key);
        Trace?.Probe(TraceMaps.Access, key, hit);
        return hit;
    }

    /// <summary>The untagged probe after a tagged one: usually answered by <see cref="AccessTable.MayContain"/> alone.</summary>
    public AccessEntry? FindBare(ReadOnlySpan<char> key)
    {
        var hit = _table.MayContain(key) ? _table.Find(key) : null;
        Trace?.Probe(TraceMaps.Access, key, hit);
        return hit;
    }

    /// <summary>SKIP stops the walk and means "not found" (only with FEATURE(access_db, , skip)).</summary>
    public bool IsSkip(AccessEntry? entry) => entry is { Action: AccessAction.Skip } && SkipEnabled;
}
