namespace Milter.Policy.Limits;

/// <summary>
/// The answer of one rate check. <see cref="Count"/> is the number of events the bucket holds after the check
/// (for a refusal: before it), i.e. the events of the last <see cref="RateLimit.Period"/> as GCRA sees them;
/// it never exceeds <see cref="RateLimit.Burst"/> when allowed.
/// </summary>
/// <param name="Allowed">The events fit: they were counted.</param>
/// <param name="Count">Events in the bucket (ceil((TAT − now) / interval)).</param>
/// <param name="RetryAfter">For a refusal: the wait until the same request would fit.</param>
/// <param name="Unavailable">The store could not answer (Redis down): <paramref name="Allowed"/> follows its failure mode.</param>
public readonly record struct RateDecision(bool Allowed, long Count, TimeSpan RetryAfter, bool Unavailable = false)
{
    public static RateDecision StoreDown(bool allowed) => new(allowed, 0, TimeSpan.Zero, Unavailable: true);
}
