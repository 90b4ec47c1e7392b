namespace Milter.Oracle.Tests.Comparison;

/// <summary>
/// A session as an SMTP client sees it: the MAIL reply (Sendmail keeps a connect refusal and gives it to MAIL, the
/// greeting stays 220), the RCPT replies and the fate of the message. What a real <c>sendmail -bs</c> session shows,
/// and what a <see cref="SessionOutcome"/> predicts.
/// </summary>
public sealed record WireOutcome(string Mail, string Recipients, string Fate)
{
    public static WireOutcome Of(SessionOutcome outcome) =>
        new(outcome.Connect != "ok" ? outcome.Connect : outcome.Mail ?? "ok", string.Join(" | ", outcome.Recipients), outcome.Fate);

    public override string ToString() => $"MAIL: {Mail} | RCPT: {Recipients} | message: {Fate}";
}
