using Microsoft.Extensions.Logging;
using Milter.Host.Metrics;
using Milter.Policy;
using Milter.Policy.Limits;

namespace Milter.Host.Adapters;

/// <summary>
/// What every <see cref="PolicyMilterHandler"/> of a listener shares: the engines, the decision logger and the metrics.
/// Made once per listener, so that a connection holds one reference to all four.
/// </summary>
internal sealed class HandlerServices(PolicyEngine engine, ILogger logger, LimitEngine? limits = null, MilterMetrics? metrics = null)
    : TransactionEngines(engine, limits)
{
    public ILogger Logger { get; } = logger ?? throw new ArgumentNullException(nameof(logger));

    public MilterMetrics? Metrics { get; } = metrics;
}
