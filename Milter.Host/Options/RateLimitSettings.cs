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
    public int Count { get; set; }

    public double PeriodSeconds { get; set; } = 60;

    /// <summary>Events allowed at once; default <see cref="Count"/>.</summary>
    public int? Burst { get; set; }

    /// <summary>Log what would be refused, refuse nothing.</summary>
    public bool Audit { get; set; }

    /// <summary>Comma-separated: <c>ConnectOk</c>, <c>Leased</c>, <c>Authenticated</c>, <c>Trusted</c> (all three) or <c>None</c>.</summary>
    public string Exempt { get; set; } = "None";

    internal IEnumerable<string> Validate(string path)
    {
        if (Count < 0)
        {
            yield return $"{path}:Count: must be 0 (off) or a positive number of events, not {Count}";
        }

        if (!(PeriodSeconds >= 0.001) || TimeSpan.FromSeconds(PeriodSeconds) > RateLimit.MaxPeriod)
        {
            yield return $"{path}:PeriodSeconds: must be between 0.001 and {RateLimit.MaxPeriod.TotalSeconds} seconds, not {PeriodSeconds}";
        }

        if (Burst is < 1)
        {
            yield return $"{path}:Burst: must be at least 1, not {Burst}";
        }

        if (!LimitSettings.TryParseExempt(Exempt, out _))
        {
            yield return $"{path}:Exempt: '{Exempt}' is not a list of ConnectOk, Leased, Authenticated, Trusted, None";
        }
    }

    internal RateLimit? ToLimit(string name, LimitScope scope) =>
        Count == 0 ? null : new RateLimit(name, scope, Count, TimeSpan.FromSeconds(PeriodSeconds), Burst, Audit, LimitSettings.ParseExempt(Exempt));
}
