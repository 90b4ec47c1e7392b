using Milter.Oracle.Tests.Sendmail;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>Sendmail's outcome of each session of a case, from its translated ruleset answers.</summary>
public static class SendmailSide
{
    public static IReadOnlyDictionary<int, SessionOutcome> Sessions(CaseAnswers answers)
    {
        var outcomes = new Dictionary<int, SessionOutcome>();
        foreach (var session in answers.Case.Sessions)
        {
            var connect = StageOutcome.Ok;
            var mail = StageOutcome.Ok;
            var recipients = new List<StageOutcome>();
            for (var i = 0; i < answers.Calls.Count; i++)
            {
                var call = answers.Calls[i];
                if (call.SessionId != session.Id)
                {
                    continue;
                }

                switch (call.Stage)
                {
                    case "connect":
                        connect = answers.Outcomes[i];
                        break;
                    case "mail":
                        mail = answers.Outcomes[i];
                        break;
                    default:
                        recipients.Add(answers.Outcomes[i]);
                        break;
                }
            }

            outcomes[session.Id] = SessionOutcome.From(connect, mail, recipients);
        }

        return outcomes;
    }
}
