namespace Milter.Policy.Limits;

/// <summary>Interval and capacity of one limit in the ticks of one clock.</summary>
internal sealed class GcraParameters
{
    public GcraParameters(long frequency, TimeSpan period, int count, int burst)
    {
        Frequency = frequency;
        // interval = period / count, rounded down to a tick (at least 1): at most one tick of drift per event.
        Interval = Math.Max(1, (long)((Int128)period.Ticks * frequency / TimeSpan.TicksPerSecond / count));
        Capacity = Interval * burst;
    }

    public long Frequency { get; }

    /// <summary>Ticks between two events at the sustained rate (the emission interval).</summary>
    public long Interval { get; }

    /// <summary><c>burst × interval</c>: how far the theoretical arrival time may run ahead of now.</summary>
    public long Capacity { get; }
}

/// <summary>
/// The Generic Cell Rate Algorithm, the whole state of a bucket being one number, the theoretical arrival time (TAT).
/// For a request of <c>cost</c> events at <c>now</c>: <c>tat = max(TAT, now)</c>, <c>next = tat + cost × interval</c>;
/// allowed iff <c>next − now ≤ burst × interval</c>, and then <c>TAT = next</c>. A refused request changes nothing.
/// So a fresh key takes <c>burst</c> events at once, then one per interval; a key whose TAT is past is exactly a
/// fresh key, which is why idle keys can be dropped without changing any answer. The Redis script is the same
/// arithmetic in microseconds of Redis <c>TIME</c>.
/// </summary>
internal static class Gcra
{
    public static RateDecision Apply(ref long tat, long now, GcraParameters p, int cost)
    {
        long start = tat > now ? tat : now;
        long next = start + (cost * p.Interval);
        if (next - now > p.Capacity)
        {
            long retry = next - now - p.Capacity;
            return new RateDecision(false, CeilDiv(start - now, p.Interval), Ticks(retry, p.Frequency));
        }

        tat = next;
        return new RateDecision(true, CeilDiv(next - now, p.Interval), TimeSpan.Zero);
    }

    private static long CeilDiv(long a, long b) => a <= 0 ? 0 : ((a - 1) / b) + 1;

    private static TimeSpan Ticks(long ticks, long frequency) =>
        TimeSpan.FromTicks((long)((Int128)ticks * TimeSpan.TicksPerSecond / frequency));
}
