using System.Text;
using Milter.Oracle.Tests.Comparison;
using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;
using Milter.Oracle.Tests.Sendmail;

namespace Milter.Oracle.Tests;

/// <summary>
/// The translation of ruleset answers into replies (<see cref="RulesetReplies"/>), held against real SMTP: the same
/// sessions run through <c>sendmail -bt</c> (translated) and through <c>sendmail -bs</c> on the same .cf and rule files
/// (what a client sees, and the queue for DISCARD and QUARANTINE). The rule file has a few cases per action kind:
/// REJECT, every ERROR form (text code winning over the field, code only, no code, unquoted punctuation, comments,
/// 4xx), unknown values, SKIP on a user key, DISCARD, QUARANTINE, the built-in refusals, connect refusals.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class ReplyTranslationTests
{
    private const string Client = "127.0.0.5";
    private const string ClientName = "mail.partner.test";

    private static readonly OracleRules Rules = new(
        [
            "Connect:127.0.0.6\tREJECT",
            "Connect:127.0.0.7\tERROR:\"451 4.3.2 Busy\"",
            "From:reject.example\tREJECT",
            "From:textcode.example\tERROR:5.7.1:\"550 5.7.0 Text code wins\"",
            "From:codeonly.example\tERROR:\"553 5.7.1\"",
            "From:bare.example\tERROR:\"550\"",
            "From:comma.example\tERROR:550 Spam, not welcome!",
            "From:angle.example\tERROR:550 Contact <postmaster@example.net>",
            "From:comment.example\tERROR:550 Blocked (see policy) now",
            "From:nocode.example\tERROR:\"No code here\"",
            "From:nocodedsn.example\tERROR:5.7.1:\"No code here\"",
            "From:temp.example\tERROR:4.7.1:\"450 Greylisted, come back\"",
            "From:unquoted.example\tERROR:5.7.1:550 Go away",
            "From:spaces.example\tERROR:\"550  two  spaces\"",
            "From:colon.example\tERROR:550 5.7.1 Mail from you: refused",
            "From:odd.example\tMAYBE",
            "From:deprecated.example\t550 5.7.1 Deprecated with dsn",
            "From:skipuser@\tSKIP",
            "From:discard.example\tDISCARD",
            "From:quoted.example\tQUARANTINE:\"quoted reason\"",
            "From:commaq.example\tQUARANTINE:spam, maybe",
            "From:ok.example\tOK",
            "To:blocked@relayed.example\tREJECT",
            "To:err@relayed.example\tERROR:\"550  two  spaces\"",
            "To:disc@relayed.example\tDISCARD",
            "To:quar@relayed.example\tQUARANTINE:held for review",
            "To:skip@relayed.example\tSKIP",
        ],
        ["relayed.example"],
        ["example.net"]);

    public static IEnumerable<string> Profiles => ["blocklist_recipients", "delay_checks,friend+blocklist"];

    private static IReadOnlyList<OracleSession> Sessions()
    {
        var sessions = new List<OracleSession>();
        void Add(string sender, string[] recipients, string client = Client, string name = ClientName, string resolve = "OK") =>
            sessions.Add(new OracleSession(sessions.Count, client, name, resolve, null, sender, recipients));

        foreach (var line in Rules.Access.Where(l => l.StartsWith("From:", StringComparison.Ordinal) && !l.Contains('@', StringComparison.Ordinal)))
        {
            Add($"<s@{line[5..line.IndexOf('\t', StringComparison.Ordinal)]}>", ["<u@relayed.example>"]);
        }

        Add("<skipuser@x.example>", ["<u@relayed.example>"]);
        Add("<bob>", ["<u@relayed.example>"]);
        Add("<a@localhost>", ["<u@relayed.example>"]);
        Add("<>", ["<x@remote.example>", "<u@relayed.example>"]);
        Add("<a@x.example>", ["<blocked@relayed.example>", "<err@relayed.example>", "<skip@relayed.example>"]);
        Add("<a@x.example>", ["<disc@relayed.example>", "<u@relayed.example>"]);
        Add("<a@x.example>", ["<quar@relayed.example>"]);
        Add("<a@ok.example>", ["<x@remote.example>", "<u@relayed.example>"]);
        Add("<a@x.example>", ["<u@relayed.example>"], "127.0.0.6", "mx.spam.example");
        Add("<a@x.example>", ["<u@relayed.example>"], "127.0.0.7", "[127.0.0.7]", "FAIL");
        Add("<a@x.example>", ["<x@remote.example>"], "127.0.0.8", "[127.0.0.8]", "FAIL");
        return sessions;
    }

    /// <summary>
    /// <c>sendmail -bs</c> on a socket: the sessions from the one client Sendmail -bs handles like a daemon connection
    /// (it never calls check_relay nor sets <c>{client_resolve}</c> for -bs, main.c: validate_connection is for MD_DAEMON).
    /// </summary>
    [TestCaseSource(nameof(Profiles))]
    public async Task TranslatedRulesetAnswers_AreWhatSendmailBsSays(string profileName)
    {
        SendmailTestMode.Require();
        var profile = OracleProfiles.Named(profileName);
        var sessions = Sessions().Where(s => s.ClientAddress == Client).ToList();
        using var workspace = OracleWorkspace.Create("bs-");
        var (sendmail, rules, predicted) = await PredictAsync(workspace, profile, sessions);

        var observed = await SmtpSessions.RunBsAsync(workspace, SendmailConfig.ForRules(sendmail.Cf(profile), rules), sessions);

        Mismatches(sessions, predicted, observed).Should().BeEmpty("the -bt answers, translated, must be what Sendmail says in SMTP");
        string.Join('\n', observed).Should().Contain("553 5.0.0 5.7.1").And.Contain("message: discard").And.Contain("message: quarantine: held for review")
            .And.Contain("553 5.3.0 SKIP").And.Contain("Relaying denied").And.Contain("message: deliver", "every kind of answer is covered");
    }

    /// <summary>The same through the daemon (<c>sendmail -bD</c>): connect refusals and the <c>{client_resolve}</c> texts too.</summary>
    [TestCaseSource(nameof(Profiles))]
    public async Task TranslatedRulesetAnswers_AreWhatTheSendmailDaemonSays(string profileName)
    {
        SendmailTestMode.Require();
        var profile = OracleProfiles.Named(profileName);
        var sessions = Sessions();
        using var workspace = OracleWorkspace.Create("bd-");
        var (_, rules, predicted) = await PredictAsync(workspace, profile, sessions);
        var port = FreePort.Next();
        var daemonCf = SendmailConfig.ForRules(await SendmailConfig.BuildAsync(profile, workspace, port), rules);

        var observed = await SmtpSessions.RunDaemonAsync(workspace, daemonCf, port, sessions);

        Mismatches(sessions, predicted, observed).Should().BeEmpty("the -bt answers, translated, must be what the Sendmail daemon says");
        string.Join('\n', observed).Should().Contain("Access denied").And.Contain("4.3.2 Busy").And.Contain("IP name lookup failed [127.0.0.8]");
    }

    private static async Task<(SendmailTestMode Sendmail, string Rules, IReadOnlyDictionary<int, SessionOutcome> Predicted)> PredictAsync(
        OracleWorkspace workspace, OracleProfile profile, IReadOnlyList<OracleSession> sessions)
    {
        var oracleCase = new OracleCase(0, Rules, sessions);
        var sendmail = await SendmailTestMode.CreateAsync(workspace, [profile]);
        var rules = await sendmail.WriteRulesAsync([oracleCase]);
        var answers = await sendmail.RunAsync([(profile, oracleCase, rules[oracleCase])], parallel: 1);
        return (sendmail, rules[oracleCase], SendmailSide.Sessions(answers[0]));
    }

    private static string Mismatches(IReadOnlyList<OracleSession> sessions, IReadOnlyDictionary<int, SessionOutcome> predicted, IReadOnlyList<WireOutcome> observed)
    {
        var text = new StringBuilder();
        for (var i = 0; i < sessions.Count; i++)
        {
            var expected = WireOutcome.Of(predicted[sessions[i].Id]);
            if (expected != observed[i])
            {
                text.Append(sessions[i]).Append("\n  -bt translated: ").Append(expected).Append("\n  SMTP observed:   ").Append(observed[i]).Append('\n');
            }
        }

        return text.ToString();
    }
}
