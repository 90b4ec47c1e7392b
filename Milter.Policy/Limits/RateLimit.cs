using System.Globalization;

namespace Milter.Policy.Limits;

/// <summary>
/// One rate limit: at most <see cref="Burst"/> events at once, refilled at <see cref="Count"/> per <see cref="Period"/>
/// (GCRA, see <see cref="Gcra"/>), per key of <see cref="Scope"/>. Immutable; <see cref="WithCount"/> gives the variant a
/// <c>ClientRate:</c> entry asks for, which shares the buckets of its original.
/// </summary>
public sealed class RateLimit
{
    private static int s_nextId;
    private GcraParameters? _parameters;

    /// <param name="name">Stable name: the setting's name, the Redis key part and the log field (<c>ClientMessageRate</c>).</param>
    /// <param name="scope">What the buckets are keyed by.</param>
    /// <param name="count">Events per <paramref name="period"/> (at least 1).</param>
    /// <param name="period">The refill period.</param>
    /// <param name="burst">Events allowed at once; default <paramref name="count"/>.</param>
    /// <param name="audit">Log what would be refused, refuse nothing.</param>
    /// <param name="exempt">Clients it does not apply to.</param>
    public RateLimit(string name, LimitScope scope, int count, TimeSpan period, int? burst = null, bool audit = false, LimitExemptions exempt = LimitExemptions.None)
        : this(Interlocked.Increment(ref s_nextId), name, scope, count, period, burst ?? count, audit, exempt)
    {
    }

    private RateLimit(int id, string name, LimitScope scope, int count, TimeSpan period, int burst, bool audit, LimitExemptions exempt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, MaxPeriod);
        Id = id;
        Name = name;
        Scope = scope;
        Count = count;
        Period = period;
        Burst = burst;
        Audit = audit;
        Exempt = exempt;
    }

    /// <summary>The longest period accepted (the arithmetic stays in 64 bits at nanosecond resolution).</summary>
    public static TimeSpan MaxPeriod { get; } = TimeSpan.FromDays(7);

    public string Name { get; }

    public LimitScope Scope { get; }

    public int Count { get; }

    public TimeSpan Period { get; }

    public int Burst { get; }

    public bool Audit { get; }

    public LimitExemptions Exempt { get; }

    /// <summary>Bucket identity: equal for a limit and its <see cref="WithCount"/> variants.</summary>
    internal int Id { get; }

    /// <summary>The same buckets with another rate and burst (a <c>ClientRate:</c> entry's limit).</summary>
    public RateLimit WithCount(int count) => new(Id, Name, Scope, count, Period, count, Audit, Exempt);

    /// <summary>
    /// Emission interval (period / count, rounded down, at least 1) and capacity (burst × interval) in ticks of a clock
    /// of <paramref name="frequency"/> ticks per second: what a shared store's script needs (Redis: 1,000,000).
    /// </summary>
    public (long Interval, long Capacity) GcraTicks(long frequency)
    {
        var p = Parameters(frequency);
        return (p.Interval, p.Capacity);
    }

    /// <summary>GCRA parameters on a clock of <paramref name="frequency"/> ticks per second (cached).</summary>
    internal GcraParameters Parameters(long frequency)
    {
        var p = _parameters;
        if (p is null || p.Frequency != frequency)
        {
            _parameters = p = new GcraParameters(frequency, Period, Count, Burst);
        }

        return p;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: {Count}/{Period.TotalSeconds:0.###}s burst {Burst} by {Scope}{(Audit ? " (audit)" : "")}");
}
