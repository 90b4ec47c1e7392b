using System.Text;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>
/// What the client of one session sees and what becomes of its message, built the same way for both sides: the reply
/// to each command (the text of a refusal, else "ok"), and the fate of the message: <c>discard</c> when any stage that
/// ran said DISCARD, else the last QUARANTINE reason (Sendmail overwrites <c>e_quarmsg</c>), else <c>deliver</c>;
/// <c>no message</c> when no recipient was accepted. A refusal at connect or MAIL ends the comparison there (Sendmail
/// answers every later command with the connect refusal; no RCPT follows a refused MAIL).
/// </summary>
public sealed class SessionOutcome
{
    private SessionOutcome(string connect, string? mail, IReadOnlyList<string> recipients, string fate)
    {
        Connect = connect;
        Mail = mail;
        Recipients = recipients;
        Fate = fate;
    }

    public string Connect { get; }

    /// <summary>Null when the connect stage refused.</summary>
    public string? Mail { get; }

    public IReadOnlyList<string> Recipients { get; }

    public string Fate { get; }

    public static SessionOutcome From(StageOutcome connect, StageOutcome mail, IReadOnlyList<StageOutcome> recipients)
    {
        if (connect.IsRefusal)
        {
            return new SessionOutcome(Reply(connect), null, [], "no message");
        }

        if (mail.IsRefusal)
        {
            return new SessionOutcome(Reply(connect), Reply(mail), [], "no message");
        }

        var accepted = recipients.Where(r => !r.IsRefusal).ToList();
        string fate;
        if (accepted.Count == 0)
        {
            fate = "no message";
        }
        else
        {
            StageOutcome[] ran = [connect, mail, .. accepted];
            fate = ran.Any(s => s.Kind == OutcomeKind.Discard)
                ? "discard"
                : ran.LastOrDefault(s => s.Kind == OutcomeKind.Quarantine) is { Kind: OutcomeKind.Quarantine } q ? "quarantine: " + q.Text : "deliver";
        }

        return new SessionOutcome(Reply(connect), Reply(mail), [.. recipients.Select(Reply)], fate);
    }

    /// <summary>The first stage where the two differ (<c>connect</c>, <c>mail</c>, <c>rcpt N</c>, <c>fate</c>), or null when they agree.</summary>
    public static string? FirstDifference(SessionOutcome sendmail, SessionOutcome milter)
    {
        if (sendmail.Connect != milter.Connect)
        {
            return "connect";
        }

        if (sendmail.Mail != milter.Mail)
        {
            return "mail";
        }

        for (var i = 0; i < Math.Max(sendmail.Recipients.Count, milter.Recipients.Count); i++)
        {
            if (i >= sendmail.Recipients.Count || i >= milter.Recipients.Count || sendmail.Recipients[i] != milter.Recipients[i])
            {
                return "rcpt " + (i + 1);
            }
        }

        return sendmail.Fate != milter.Fate ? "fate" : null;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("connect: ").Append(Connect);
        if (Mail is not null)
        {
            text.Append(" | MAIL: ").Append(Mail);
        }

        for (var i = 0; i < Recipients.Count; i++)
        {
            text.Append(" | RCPT ").Append(i + 1).Append(": ").Append(Recipients[i]);
        }

        return text.Append(" | message: ").Append(Fate).ToString();
    }

    private static string Reply(StageOutcome stage) => stage.IsRefusal ? stage.Text! : "ok";
}
