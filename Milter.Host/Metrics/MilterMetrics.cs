using System.Diagnostics;
using System.Diagnostics.Metrics;
using Milter.Policy;
using Milter.Policy.Model;

namespace Milter.Host.Metrics;

/// <summary>
/// The instruments of meter <c>Milter</c> (System.Diagnostics.Metrics): sessions, verdicts, decision latency,
/// leases, limit hits, rule reloads and dropped log lines. One instance per process; the hot-path methods take a <see cref="TagList"/>
/// on the stack and allocate nothing of their own. Instrument names are chosen for the Prometheus scrape, where
/// the meter name is their prefix: <c>sessions.total</c> is <c>milter_sessions_total</c>. Exported by <see cref="PrometheusExporterService"/> when
/// <c>Milter:Metrics:Listen</c> is set, and visible to any MeterListener (dotnet-counters) either way.
/// </summary>
internal sealed class MilterMetrics : IDisposable
{
    public const string MeterName = "Milter";

    private static readonly string[] StageNames = Enum.GetNames<PolicyStage>().Select(n => n.ToLowerInvariant()).ToArray();
    private static readonly string[] ActionNames = Enum.GetNames<VerdictAction>().Select(n => n.ToLowerInvariant()).ToArray();

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _sessions;
    private readonly UpDownCounter<long> _openSessions;
    private readonly Counter<long> _verdicts;
    private readonly Histogram<double> _decisionSeconds;
    private readonly Counter<long> _leaseAdds;
    private readonly Counter<long> _limitHits;
    private readonly Counter<long> _ruleReloads;
    private Func<int?> _leaseCount = () => null;
    private Func<long> _droppedLogLines = () => 0;
    private long _lastRuleLoadUnixSeconds;
    private long _ruleSetVersion;

    /// <summary>This instance's meter (a listener can tell it from another instance's, e.g. in tests).</summary>
    public Meter Meter => _meter;

    public MilterMetrics()
    {
        _sessions = _meter.CreateCounter<long>("sessions.total", "{session}", "SMTP sessions the MTA opened to the milter (CONNECT)");
        _openSessions = _meter.CreateUpDownCounter<long>("sessions.open", "{session}", "SMTP sessions open now");
        _verdicts = _meter.CreateCounter<long>("verdicts.total", "{verdict}", "Decisions by stage, action and deciding rule (file:line, or the built-in reason)");
        _decisionSeconds = _meter.CreateHistogram<double>("decision.duration.seconds", "s", "Time from a stage's command to its decision");
        _leaseAdds = _meter.CreateCounter<long>("leases.added.total", "{lease}", "Leases added or refreshed, by source");
        _meter.CreateObservableGauge("leases.entries", ObserveLeaseCount, "{lease}", "Leases in the table (memory and sqlite stores)");
        _limitHits = _meter.CreateCounter<long>("limits.exceeded.total", "{hit}", "Limits exceeded, by limit and action (refused or audit)");
        _ruleReloads = _meter.CreateCounter<long>("rules.loads.total", "{load}", "Rule loads (start, file change, SIGHUP) by result: success or failure");
        _meter.CreateObservableGauge("rules.last_load.timestamp.seconds", () => Interlocked.Read(ref _lastRuleLoadUnixSeconds), "s", "Unix time of the last successful rule load");
        _meter.CreateObservableGauge("rules.version", () => Interlocked.Read(ref _ruleSetVersion), "{version}", "Version of the rule set in force");
        _meter.CreateObservableCounter("log.lines.dropped.total", () => _droppedLogLines(), "{line}", "Log lines dropped because the log output could not keep up (the queue was full)");
    }

    public void SessionOpened()
    {
        _sessions.Add(1);
        _openSessions.Add(1);
    }

    public void SessionClosed() => _openSessions.Add(-1);

    /// <summary>Counts one decision and records its latency from <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Decision(PolicyStage stage, VerdictAction action, string rule, long startTimestamp)
    {
        string stageName = Name(StageNames, (int)stage);
        var tags = new TagList
        {
            { "stage", stageName },
            { "action", Name(ActionNames, (int)action) },
            { "rule", rule },
        };
        _verdicts.Add(1, tags);
        if (startTimestamp != 0)
        {
            _decisionSeconds.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("stage", stageName));
        }
    }

    public void LeaseAdded(string source) => _leaseAdds.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>Where the lease-table gauge reads its size (null: the store cannot say cheaply, e.g. Redis).</summary>
    public void ObserveLeases(Func<int?> count) => _leaseCount = count;

    /// <summary>Where the dropped-log-lines counter reads its value (the log output's own count).</summary>
    public void ObserveDroppedLogLines(Func<long> dropped) => _droppedLogLines = dropped;

    public void LimitExceeded(string limit, bool audit) =>
        _limitHits.Add(1, new KeyValuePair<string, object?>("limit", limit), new KeyValuePair<string, object?>("action", audit ? "audit" : "refused"));

    public void RulesLoaded(long version, DateTimeOffset loadedAt)
    {
        _ruleReloads.Add(1, new KeyValuePair<string, object?>("result", "success"));
        Interlocked.Exchange(ref _lastRuleLoadUnixSeconds, loadedAt.ToUnixTimeSeconds());
        Interlocked.Exchange(ref _ruleSetVersion, version);
    }

    public void RulesRefused() => _ruleReloads.Add(1, new KeyValuePair<string, object?>("result", "failure"));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveLeaseCount() =>
        _leaseCount() is { } count ? [new Measurement<long>(count)] : [];

    private static string Name(string[] names, int value) => (uint)value < (uint)names.Length ? names[value] : "other";
}
