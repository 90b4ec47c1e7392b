using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// The message's facts (sender, <c>{auth_type}</c>, the sender domain's resolution) are kept in one object reused by
/// the connection's later messages: a message after <see cref="PolicySession.Reset"/> is decided on its own facts.
/// </summary>
public sealed class MessageStateTests
{
    private static readonly PolicyOptions DelayChecks = new() { DelayChecks = DelayChecksMode.On };

    [Test]
    public void SecondMessage_AfterReset_IsCheckedWithItsOwnSender()
    {
        var session = TestPolicy.Engine("From:spam.example REJECT", DelayChecks).Session("192.0.2.1");
        session.Connect();
        var verdicts = new List<(string? Sender, VerdictAction Rcpt)>();
        foreach (var sender in new[] { "<a@spam.example>", "<b@good.example>", "<c@spam.example>" })
        {
            session.Mail(sender);
            verdicts.Add((session.Sender, session.RcptSync("<u@example.net>").Action));
            session.Reset();
        }

        verdicts.Should().Equal(
            ("<a@spam.example>", VerdictAction.Reject), ("<b@good.example>", VerdictAction.Accept), ("<c@spam.example>", VerdictAction.Reject));
        session.Sender.Should().BeNull();
    }

    [Test]
    public void SecondMessage_WithoutAuth_DoesNotKeepTheFirstsTrustedMechanism()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1");
        session.Connect();
        session.Mail("<a@sender.example>", new AuthFacts("PLAIN", "bob"));
        session.RcptSync("<x@remote.example>").Action.Should().Be(VerdictAction.Accept, "trusted SMTP AUTH relays");

        session.Reset();
        session.Mail("<a@sender.example>");

        session.RcptSync("<x@remote.example>").Reply!.Line.Should().StartWith("550 5.7.1 Relaying denied");
    }

    [Test]
    public void SecondMessage_IsNotRefusedForTheFirstSendersUnresolvableDomain()
    {
        var dns = new FakeDnsResolver().Answer("sender.example", DnsRecordType.A, "192.0.2.10");
        var engine = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("")), new PolicyOptions(), resolver: dns);
        var session = engine.OpenSession(new ClientFacts("198.51.100.1"));
        session.ConnectAsync().AsTask().GetAwaiter().GetResult();
        session.MailAsync("<a@nope.example>").AsTask().GetAwaiter().GetResult().Reply!.Code.Should().Be(553);

        session.Reset();

        session.Mail("<b@other.example>").Action.Should().Be(VerdictAction.Continue, "the domain resolved belongs to another sender");
        session.Reset();
        session.MailAsync("<b@sender.example>").AsTask().GetAwaiter().GetResult().Action.Should().Be(VerdictAction.Continue);
    }
}
