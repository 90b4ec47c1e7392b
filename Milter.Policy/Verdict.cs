using System.Diagnostics;
using System.Text;
using Milter.Policy.Access;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

/// <summary>
/// The answer of one stage: what to do, the exact reply Sendmail would show (without the <c>&lt;addr&gt;... </c>
/// prefix Sendmail inserts itself), the rule that decided (<c>file:line</c>) or the built-in reason, the version of
/// the rule set used, and — when tracing is on — every lookup tried in order.
/// </summary>
public readonly struct Verdict
{
    // Stage and action as bytes: with IsDeferred they share one 8-byte slot. The reply of a refusal and the reason of a
    // quarantine share one field: a verdict has one or the other, never both. A verdict is 48 bytes, not 64.
    private readonly byte _stage;
    private readonly byte _action;
    private readonly object? _detail;

    internal Verdict(PolicyStage stage, VerdictAction action, PolicyReply? reply, string? quarantineReason,
        PolicyRule? decidedBy, string reason, long ruleSetVersion, PolicyTrace? trace, bool deferred = false)
    {
        Debug.Assert(reply is null || quarantineReason is null, "a verdict has a reply or a quarantine reason, not both");
        _stage = (byte)stage;
        _action = (byte)action;
        _detail = (object?)reply ?? quarantineReason;
        DecidedBy = decidedBy;
        Reason = reason;
        RuleSetVersion = ruleSetVersion;
        Trace = trace;
        IsDeferred = deferred;
    }

    public PolicyStage Stage => (PolicyStage)_stage;

    public VerdictAction Action => (VerdictAction)_action;

    /// <summary>The reply for <see cref="VerdictAction.Reject"/> and <see cref="VerdictAction.TempFail"/>; null otherwise.</summary>
    public PolicyReply? Reply => _detail as PolicyReply;

    /// <summary>The reason of a <see cref="VerdictAction.Quarantine"/>; null otherwise.</summary>
    public string? QuarantineReason => _detail as string;

    /// <summary>The access entry or class member that decided, or null for a built-in decision.</summary>
    public PolicyRule? DecidedBy { get; }

    /// <summary>Why (constant text, e.g. <c>"recipient domain is in class w"</c>).</summary>
    public string Reason { get; }

    /// <summary><see cref="RuleSet.Version"/> of the snapshot this decision used.</summary>
    public long RuleSetVersion { get; }

    /// <summary>Lookups tried, in order; null unless tracing was switched on for the session.</summary>
    public PolicyTrace? Trace { get; }

    /// <summary>
    /// Evaluated at connect but delivered later: Sendmail ignores the text of a connect-stage reply, so the adapter
    /// answers <c>SMFIR_CONTINUE</c> at connect and the session returns this verdict again at HELO, MAIL and RCPT.
    /// </summary>
    public bool IsDeferred { get; }

    /// <summary>
    /// A connect-stage verdict that is <see cref="IsDeferred"/>: decided now, told later. The MTA is answered
    /// <c>SMFIR_CONTINUE</c> at connect and hears the verdict at HELO, MAIL or RCPT.
    /// </summary>
    public bool IsWithheld => IsDeferred && Stage == PolicyStage.Connect;

    /// <summary>Reject or tempfail: the SMTP command is refused.</summary>
    public bool IsRefusal => Action is VerdictAction.Reject or VerdictAction.TempFail;

    internal bool Blocks => Action is VerdictAction.Reject or VerdictAction.TempFail or VerdictAction.Discard or VerdictAction.Quarantine;

    /// <summary>What an admin compares: the reply line, or <c>continue</c>/<c>accept</c>/<c>discard</c>/<c>quarantine: reason</c>.</summary>
    public string Outcome => Action switch
    {
        VerdictAction.Reject or VerdictAction.TempFail => Reply?.Line ?? Action.ToString(),
        VerdictAction.Quarantine => "quarantine: " + QuarantineReason,
        _ => Action.ToString().ToLowerInvariant(),
    };

    internal Verdict At(PolicyStage stage) =>
        new(stage, Action, Reply, QuarantineReason, DecidedBy, Reason, RuleSetVersion, Trace, IsDeferred);

    internal Verdict Deferred() =>
        new(Stage, Action, Reply, QuarantineReason, DecidedBy, Reason, RuleSetVersion, Trace, deferred: true);

    /// <summary>Multi-line explanation: outcome, deciding rule, reason and the trace.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.Append(Stage.ToString().ToLowerInvariant()).Append(": ").Append(Outcome).Append('\n');
        sb.Append("  decided by: ").Append(DecidedBy?.ToString() ?? "built-in").Append(" (").Append(Reason).Append(")\n");
        if (Trace is not null)
        {
            sb.Append(Trace);
        }

        return sb.ToString();
    }

    public override string ToString() => $"{Stage}: {Outcome} ({DecidedBy?.Location ?? Reason})";
}
