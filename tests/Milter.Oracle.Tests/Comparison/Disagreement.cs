using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>One session on which the milter and Sendmail differ, and the first stage where they do.</summary>
public sealed record Disagreement(OracleProfile Profile, OracleCase Case, OracleSession Session, SessionOutcome Sendmail, SessionOutcome Milter, string Stage)
{
    /// <summary>Groups disagreements of one kind: the stage and both answers there.</summary>
    public string Signature => $"{Stage}: Sendmail \"{At(Sendmail)}\", milter \"{At(Milter)}\"";

    private string At(SessionOutcome outcome)
    {
        if (Stage == "connect")
        {
            return outcome.Connect;
        }

        if (Stage == "mail")
        {
            return outcome.Mail ?? "(not reached)";
        }

        if (Stage == "fate")
        {
            return outcome.Fate;
        }

        var index = int.Parse(Stage["rcpt ".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1;
        return index < outcome.Recipients.Count ? outcome.Recipients[index] : "(not reached)";
    }
}
