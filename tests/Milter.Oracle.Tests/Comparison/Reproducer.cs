using System.Text;
using Milter.Oracle.Tests.Scenario;
using Milter.Oracle.Tests.Sendmail;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>
/// Shrinks a disagreement to a minimal reproducer: the one session, and only the access lines it needs. It starts from
/// the lines whose keys the policy looked up (falling back to all lines when Sendmail then agrees), drops lines one at a
/// time while Sendmail and the milter still differ (each try is one Sendmail run), and prints the rule files, the
/// session, the .mc features and both answers.
/// </summary>
public sealed class Reproducer(SendmailTestMode sendmail)
{
    private const int MaxRuns = 30;
    private int _cases = 1_000_000;

    public async Task<string> DescribeAsync(Disagreement disagreement)
    {
        var runs = 0;
        var lines = disagreement.Case.Rules.Access.ToList();
        var probed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        MilterSide.Run(MilterSide.Engine(disagreement.Profile, disagreement.Case.Rules), disagreement.Session, probed);
        var candidate = lines.Where(l => probed.Contains(Key(l))).ToList();
        var (differs, sendmailOutcome, milterOutcome) = await TryAsync(disagreement, candidate);
        runs++;
        if (!differs)
        {
            candidate = lines;
            (_, sendmailOutcome, milterOutcome) = (true, disagreement.Sendmail, disagreement.Milter);
        }

        for (var i = candidate.Count - 1; i >= 0 && runs < MaxRuns; i--)
        {
            var trial = candidate.Where((_, j) => j != i).ToList();
            var attempt = await TryAsync(disagreement, trial);
            runs++;
            if (attempt.Differs)
            {
                (candidate, sendmailOutcome, milterOutcome) = (trial, attempt.Sendmail, attempt.Milter);
            }
        }

        var rules = disagreement.Case.Rules.WithAccess(candidate);
        var text = new StringBuilder();
        text.Append("profile ").Append(disagreement.Profile.Name).Append(" (.mc: ")
            .Append(string.Join(" ", disagreement.Profile.FeatureLines("access").Select(l => l.Replace("dnl", string.Empty, StringComparison.Ordinal))))
            .Append(")\n");
        text.Append(rules);
        text.Append("session: ").Append(disagreement.Session).Append('\n');
        text.Append("Sendmail: ").Append(sendmailOutcome).Append('\n');
        text.Append("milter:   ").Append(milterOutcome).Append('\n');
        text.Append("first difference: ").Append(SessionOutcome.FirstDifference(sendmailOutcome, milterOutcome) ?? disagreement.Stage).Append('\n');
        return text.ToString();
    }

    private async Task<(bool Differs, SessionOutcome Sendmail, SessionOutcome Milter)> TryAsync(Disagreement disagreement, List<string> access)
    {
        var rules = disagreement.Case.Rules.WithAccess(access);
        var oracleCase = new OracleCase(Interlocked.Increment(ref _cases), rules, [disagreement.Session]);
        var directories = await sendmail.WriteRulesAsync([oracleCase], "repro");
        var answers = await sendmail.RunAsync([(disagreement.Profile, oracleCase, directories[oracleCase])], parallel: 1);
        var sendmailOutcome = SendmailSide.Sessions(answers[0])[disagreement.Session.Id];
        var milterOutcome = MilterSide.Run(MilterSide.Engine(disagreement.Profile, rules), disagreement.Session);
        return (SessionOutcome.FirstDifference(sendmailOutcome, milterOutcome) is not null, sendmailOutcome, milterOutcome);
    }

    private static string Key(string line)
    {
        var end = line.IndexOfAny([' ', '\t']);
        return (end < 0 ? line : line[..end]).ToLowerInvariant();
    }
}
