using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// The arguments of FEATURE(`ratecontrol') or FEATURE(`conncontrol') (cf/README, feature/ratecontrol.m4):
/// <c>nodelay</c> (with delay_checks: checked at connect before the access lookups, not in check_rcpt) and
/// <c>terminate</c> (421 instead of 452: the SMTP session is closed).
/// </summary>
public sealed record ClientControlMode(bool NoDelay = false, bool Terminate = false)
{
    /// <summary>ratecontrol's reply: <c>452 4.3.2 Connection rate limit exceeded.</c> (421 with terminate).</summary>
    public PolicyReply RateReply => new(Terminate ? 421 : 452, "4.3.2", "Connection rate limit exceeded.");

    /// <summary>conncontrol's reply: <c>452 4.3.2 Too many open connections.</c> (421 with terminate).</summary>
    public PolicyReply ConnReply => new(Terminate ? 421 : 452, "4.3.2", "Too many open connections.");
}
