using System.Text;
using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>One ruleset call of a session, in input order.</summary>
/// <param name="Ruleset">The entry ruleset whose result is read (<c>OracleRelay</c> wraps check_relay).</param>
public sealed record TestModeCall(int SessionId, string Stage, string Ruleset, string Argument);

/// <summary>
/// The <c>sendmail -bt</c> input for the sessions of one case: per session the macros the SMTP server would have set
/// (<c>.D{client_addr}</c>, <c>{client_name}</c>, <c>{client_resolve}</c>, <c>{auth_type}</c>, <c>{mail_from}</c> =
/// the MAIL argument, <c>$f</c> = the sender without brackets, <c>{daemon_flags}</c> empty as on a plain daemon port),
/// then the entry rulesets with the arguments as the client wrote them: check_relay (through <c>OracleRelay</c>, which
/// builds <c>{client_name} $| {client_addr}</c> as the server does) and check_mail unless delay_checks runs them from
/// check_rcpt, and check_rcpt per recipient. Every call is followed by a marker call, so the output splits into
/// one block per call whatever Sendmail prints.
/// </summary>
public static class TestModeScript
{
    public const string RelayRuleset = "OracleRelay";
    public const string MarkRuleset = "OracleMark";

    /// <summary>The helper rulesets appended to every profile's .cf (LOCAL_RULESETS).</summary>
    public static readonly string[] LocalRulesets =
    [
        "LOCAL_RULESETS",
        "S" + RelayRuleset,
        "R$*\t\t$: $&{client_name} $| $&{client_addr}",
        "R$*\t\t$@ $>check_relay $1",
        "S" + MarkRuleset,
    ];

    public static (string Input, IReadOnlyList<TestModeCall> Calls) Build(OracleProfile profile, IEnumerable<OracleSession> sessions)
    {
        var input = new StringBuilder();
        var calls = new List<TestModeCall>();
        foreach (var session in sessions)
        {
            input.Append(".D{client_addr}").Append(session.ClientAddress).Append('\n');
            input.Append(".D{client_name}").Append(session.ClientName).Append('\n');
            input.Append(".D{client_resolve}").Append(session.Resolve).Append('\n');
            input.Append(".D{auth_type}").Append(session.AuthType).Append('\n');
            input.Append(".D{mail_from}").Append(session.Sender).Append('\n');
            input.Append(".Df").Append(BareSender(session.Sender)).Append('\n');
            input.Append(".D{daemon_flags}\n");
            if (!profile.HasDelayChecks)
            {
                Call(input, calls, new TestModeCall(session.Id, "connect", RelayRuleset, "x"));
                Call(input, calls, new TestModeCall(session.Id, "mail", "check_mail", session.Sender));
            }

            for (var i = 0; i < session.Recipients.Count; i++)
            {
                Call(input, calls, new TestModeCall(session.Id, "rcpt " + (i + 1), "check_rcpt", session.Recipients[i]));
            }
        }

        return (input.ToString(), calls);
    }

    /// <summary>The marker argument of call <paramref name="index"/>.</summary>
    public static string Marker(int index) => "m" + index;

    /// <summary>What setsender() leaves in <c>$f</c> for the senders the generator writes: the address without its brackets.</summary>
    public static string BareSender(string sender)
    {
        var bare = sender.Trim();
        return bare.Length >= 2 && bare[0] == '<' && bare[^1] == '>' ? bare[1..^1] : bare;
    }

    private static void Call(StringBuilder input, List<TestModeCall> calls, TestModeCall call)
    {
        input.Append(call.Ruleset).Append(' ').Append(call.Argument).Append('\n');
        input.Append(MarkRuleset).Append(' ').Append(Marker(calls.Count)).Append('\n');
        calls.Add(call);
    }
}
