using System.ComponentModel.DataAnnotations;
using Milter.Policy.Limits;

namespace Milter.Host.Options;

/// <summary>A cap under <c>Milter:Limits</c> (open connections, recipients per message); Max 0 = off.</summary>
public sealed class CountLimitSettings
{
    public CountLimitSettings()
    {
    }

    public CountLimitSettings(int max, string exempt)
    {
        Max = max;
        Exempt = exempt;
    }

    /// <summary>The cap; 0 = off.</summary>
    [Range(0, 1_000_000)]
    public int Max { get; set; }

    public bool Audit { get; set; }

    /// <summary>As <see cref="RateLimitSettings.Exempt"/>.</summary>
    public string Exempt { get; set; } = "None";

    internal IEnumerable<string> Validate(string path)
    {
        if (!LimitSettings.TryParseExempt(Exempt, out _))
        {
            yield return $"{path}:Exempt: '{Exempt}' is not a list of ConnectOk, Leased, Authenticated, Trusted, None";
        }
    }

    internal CountLimit? ToLimit(string name) => Max == 0 ? null : new CountLimit(name, Max, Audit, LimitSettings.ParseExempt(Exempt));
}
