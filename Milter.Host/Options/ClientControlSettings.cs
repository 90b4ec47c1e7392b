using Milter.Policy.Limits;

namespace Milter.Host.Options;

/// <summary><c>Milter:Limits:RateControl</c> and <c>:ConnControl</c>: the arguments of Sendmail's FEATURE(ratecontrol) / FEATURE(conncontrol).</summary>
public sealed class ClientControlSettings
{
    /// <summary><c>nodelay</c>: with delay_checks, checked at connect before the access lookups (Connect: OK does not exempt).</summary>
    public bool NoDelay { get; set; }

    /// <summary><c>terminate</c>: 421 and the SMTP session is closed, instead of 452.</summary>
    public bool Terminate { get; set; }

    internal ClientControlMode ToMode() => new(NoDelay, Terminate);
}
