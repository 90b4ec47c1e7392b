using System.ComponentModel.DataAnnotations;
using Milter.Policy.Limits;

namespace Milter.Host.Options;

/// <summary>One rate limit under <c>Milter:Limits</c>: <c>Count</c> events per <c>PeriodSeconds</c>, <c>Burst</c> at once (default Count); Count 0 = off.</summary>
public sealed class RateLimitSettings
{
    public RateLimitSettings()
    {
    }

    public RateLimitSettings(int count, double periodSeconds, string exempt)
    {
        Count = count;
        PeriodSeconds = periodSeconds;
        Exempt = exempt;
    }

    /// <summary>Events per period; 0 = the limit is off.</summary>
    [Range(0, MaxEvents)]
    public int Count { get; set; }

    /// <summary>The refill period (at most <see cref="RateLimit.MaxPeriod"/>, 7 days).</summary>
    [Range(0.001, 604_800)]
    public double PeriodSeconds { get; set; } = 60;

    /// <summary>Events allowed at once; default <see cref="Count"/>.</summary>
    [Range(1, MaxEvents)]
    public int? Burst { get; set; }

    /// <summary>Log what would be refused, refuse nothing.</summary>
    public bool Audit { get; set; }

    /// <summary>Comma-separated: <c>ConnectOk</c>, <c>Leased</c>, <c>Authenticated</c>, <c>Trusted</c> (all three) or <c>None</c>.</summary>
    public string Exempt { get; set; } = "None";

    /// <summary>The largest <see cref="Count"/> and <see cref="Burst"/>.</summary>
    internal const int MaxEvents = 1_000_000_000;

    /// <summary>The longest time a full bucket may take to refill (365 days).</summary>
    internal const double MaxRefillSeconds = 365 * 86_400;

    internal IEnumerable<string> Validate(string path)
    {
        // A full bucket refills in Burst × PeriodSeconds / Count: bounded, so that its arithmetic (nanosecond ticks in
        // memory, microseconds in Redis) stays exact in 64 bits.
        if (Count is > 0 and <= MaxEvents && Burst is int burst and >= 1 and <= MaxEvents && PeriodSeconds <= 604_800 && burst * PeriodSeconds / Count > MaxRefillSeconds)
        {
            yield return $"{path}:Burst: {burst} refills in {burst * PeriodSeconds / Count:0} s at {Count} per {PeriodSeconds} s; at most {MaxRefillSeconds} s (365 days)";
        }

        if (!LimitSettings.TryParseExempt(Exempt, out _))
        {
            yield return $"{path}:Exempt: '{Exempt}' is not a list of ConnectOk, Leased, Authenticated, Trusted, None";
        }
    }

    internal RateLimit? ToLimit(string name, LimitScope scope) =>
        Count == 0 ? null : new RateLimit(name, scope, Count, TimeSpan.FromSeconds(PeriodSeconds), Burst, Audit, LimitSettings.ParseExempt(Exempt));
}
