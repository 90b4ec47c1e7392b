using Microsoft.Extensions.Logging;
using Milter.Host.Metrics;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Host.Limits;

/// <summary>
/// Logs every exceeded limit as one line with the key and the counts, and counts it in the
/// <c>milter.limits.exceeded</c> instrument (meter <c>Milter</c>, tags <c>limit</c>, <c>action</c>).
/// </summary>
internal sealed partial class LimitLog(ILogger logger, MilterMetrics? metrics = null) : ILimitObserver
{
    public void Exceeded(in LimitHit hit)
    {
        string action = hit.Audit ? "audit" : "refused";
        metrics?.LimitExceeded(hit.Limit, hit.Audit);
        Log.Exceeded(logger, hit.Limit, hit.Stage, hit.Key, hit.Count, hit.Max, hit.Period.TotalSeconds, hit.Client.Length == 0 ? "-" : hit.Client, action);
    }
}
