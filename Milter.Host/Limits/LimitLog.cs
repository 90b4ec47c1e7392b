using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Host.Limits;

/// <summary>
/// Logs every exceeded limit as one line with the key and the counts, and counts it in the
/// <c>milter.limits.exceeded</c> instrument (meter <c>Milter.Limits</c>, tags <c>limit</c>, <c>action</c>).
/// </summary>
internal sealed partial class LimitLog : ILimitObserver, IDisposable
{
    public const string MeterName = "Milter.Limits";
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _exceeded;

    public LimitLog(ILogger logger)
    {
        _logger = logger;
        _meter = new Meter(MeterName);
        _exceeded = _meter.CreateCounter<long>("milter.limits.exceeded", description: "Limits exceeded (action refused or audit)");
    }

    public void Exceeded(in LimitHit hit)
    {
        string action = hit.Audit ? "audit" : "refused";
        _exceeded.Add(1, new KeyValuePair<string, object?>("limit", hit.Limit), new KeyValuePair<string, object?>("action", action));
        Log.Exceeded(_logger, hit.Limit, hit.Stage, hit.Key, hit.Count, hit.Max, hit.Period.TotalSeconds, hit.Client.Length == 0 ? "-" : hit.Client, action);
    }

    public void Dispose() => _meter.Dispose();

    private static partial class Log
    {
        [LoggerMessage(3200, LogLevel.Warning, "limit exceeded limit={Limit} stage={Stage} key={Key} count={Count} max={Max} period={PeriodSeconds}s client={Client} action={Action}")]
        public static partial void Exceeded(ILogger logger, string limit, PolicyStage stage, string key, long count, long max, double periodSeconds, string client, string action);
    }
}
