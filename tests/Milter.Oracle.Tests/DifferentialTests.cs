using System.Text;
using Milter.Oracle.Tests.Comparison;
using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;
using Milter.Oracle.Tests.Sendmail;

namespace Milter.Oracle.Tests;

/// <summary>
/// Issue 12 item 1: Sendmail 8.17's own rulesets as the oracle of the policy. The same seeded rule files and sessions
/// go through <c>sendmail -bt</c> (entry rulesets, macros set with <c>.D</c>, one process per rule set and profile)
/// and through <see cref="Milter.Policy.PolicyEngine"/> in process; every stage's answer is compared. One test per
/// profile; a failure prints the summary, the kinds of disagreement, and minimal reproducers.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class DifferentialTests
{
    private const int MaxReproducers = 3;
    private readonly Dictionary<string, ProfileReport> _reports = [];
    private OracleWorkspace? _workspace;
    private SendmailTestMode? _sendmail;

    public static IEnumerable<string> ProfileNames => OracleProfiles.All.Select(p => p.Name);

    [OneTimeSetUp]
    public async Task RunEveryProfileThroughSendmailAndThePolicy()
    {
        SendmailTestMode.Require();
        var cases = new ScenarioGenerator(OracleSettings.Seed).Generate(OracleSettings.Sessions, OracleSettings.SessionsPerCase);
        _workspace = OracleWorkspace.Create("diff-");
        _sendmail = await SendmailTestMode.CreateAsync(_workspace, OracleProfiles.All);
        var rules = await _sendmail.WriteRulesAsync(cases);
        var pairs = OracleProfiles.All.SelectMany(p => cases.Select(c => (p, c, rules[c]))).ToList();
        var answers = await _sendmail.RunAsync(pairs, OracleSettings.Parallel);

        foreach (var profile in OracleProfiles.All)
        {
            _reports[profile.Name] = new ProfileReport(profile);
        }

        foreach (var answer in answers)
        {
            var report = _reports[answer.Profile.Name];
            var sendmail = SendmailSide.Sessions(answer);
            var engine = MilterSide.Engine(answer.Profile, answer.Case.Rules);
            foreach (var session in answer.Case.Sessions)
            {
                var excluded = DeliberateDifferences.Excluding(answer.Profile, answer.Case.Rules, session);
                var milter = MilterSide.Run(engine, session);
                var stage = SessionOutcome.FirstDifference(sendmail[session.Id], milter);
                report.Add(stage is null ? null : new Disagreement(answer.Profile, answer.Case, session, sendmail[session.Id], milter, stage), excluded);
            }
        }

        // The table for the run's log (dotnet test shows test output only on failure): progress and a file next to the tests.
        var table = ProfileReport.Table(_reports.Values, OracleSettings.Seed);
        TestContext.Progress.WriteLine(table);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "oracle-summary.txt"), table);
    }

    [OneTimeTearDown]
    public void DeleteWorkspace() => _workspace?.Dispose();

    [TestCaseSource(nameof(ProfileNames))]
    public async Task Profile_AgreesWithSendmailOnEverySession(string profile)
    {
        var report = _reports[profile];
        report.Sessions.Should().BeGreaterThanOrEqualTo(OracleSettings.Sessions);
        if (report.Disagreements.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        text.Append(ProfileReport.Table([report], OracleSettings.Seed));
        text.Append(report.Disagreements.Count).Append(" sessions disagree; kinds:\n").Append(report.Kinds());
        var reproducer = new Reproducer(_sendmail!);
        foreach (var first in report.Disagreements.GroupBy(d => d.Signature).OrderByDescending(g => g.Count()).Take(MaxReproducers).Select(g => g.First()))
        {
            text.Append("\n=== minimal reproducer: ").Append(first.Signature).Append('\n');
            text.Append(await reproducer.DescribeAsync(first));
        }

        Assert.Fail(text.ToString());
    }
}
