namespace Milter.Policy.Limits;

/// <summary>
/// Where the GCRA state of the rate limits lives: <see cref="MemoryRateLimitStore"/> (one process, synchronous) or a
/// shared store (Redis in the host: one atomic script per check, so a fleet of MTAs enforces one limit).
/// </summary>
public interface IRateLimitStore
{
    /// <summary>
    /// Counts <paramref name="cost"/> events for <paramref name="key"/> under <paramref name="limit"/> if they fit, and
    /// says whether they did. A refused request counts nothing. Never throws for an unreachable store: it answers
    /// <see cref="RateDecision.Unavailable"/>.
    /// </summary>
    ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken);
}
