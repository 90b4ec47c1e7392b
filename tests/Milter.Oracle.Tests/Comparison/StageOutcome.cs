namespace Milter.Oracle.Tests.Comparison;

public enum OutcomeKind
{
    /// <summary>The command is accepted (no objection, or an explicit OK/RELAY).</summary>
    Ok,
    Reject,
    TempFail,
    Discard,
    Quarantine,
}

/// <summary>What one ruleset call or one policy verdict means for the SMTP command: accepted, refused with a reply
/// line (<c>550 5.7.1 text</c>, without the <c>&lt;addr&gt;... </c> Sendmail inserts), discard, or quarantine with a reason.</summary>
public readonly record struct StageOutcome(OutcomeKind Kind, string? Text)
{
    public static StageOutcome Ok { get; } = new(OutcomeKind.Ok, null);

    public static StageOutcome Discard { get; } = new(OutcomeKind.Discard, null);

    public bool IsRefusal => Kind is OutcomeKind.Reject or OutcomeKind.TempFail;

    public static StageOutcome Refusal(string line) => new(line.StartsWith('4') ? OutcomeKind.TempFail : OutcomeKind.Reject, line);

    public static StageOutcome Quarantine(string reason) => new(OutcomeKind.Quarantine, reason);

    public override string ToString() => Kind switch
    {
        OutcomeKind.Ok => "ok",
        OutcomeKind.Discard => "discard",
        OutcomeKind.Quarantine => "quarantine: " + Text,
        _ => Text ?? Kind.ToString(),
    };
}
