using Milter.Policy.Access;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// A connect verdict is kept only when it blocks: a refusal is delivered again at HELO, MAIL and RCPT, a DISCARD or
/// QUARANTINE at every MAIL; a connect that did not block keeps nothing.
/// </summary>
public sealed class HeldConnectVerdictTests
{
    [Test]
    public void ConnectRefusal_IsDeliveredAtHeloMailAndRcpt_WithItsReply()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 REJECT").Session("192.0.2.1");
        session.Connect().IsWithheld.Should().BeTrue();

        var helo = session.Helo("client.example");
        var mail = session.Mail("<a@sender.example>");
        var rcpt = session.RcptSync("<u@example.net>");

        new[] { helo, mail, rcpt }.Select(v => (v.Stage, v.Action, v.Reply!.Line, v.Reason)).Should().Equal(
            (PolicyStage.Helo, VerdictAction.Reject, "550 5.7.1 Access denied", "access REJECT"),
            (PolicyStage.Mail, VerdictAction.Reject, "550 5.7.1 Access denied", "access REJECT"),
            (PolicyStage.Rcpt, VerdictAction.Reject, "550 5.7.1 Access denied", "access REJECT"));
    }

    [Test]
    public void ConnectDiscard_IsDeliveredAtEveryMail_HeloGoesOn()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 DISCARD").Session("192.0.2.1");
        session.Connect();

        session.Helo("client.example").Action.Should().Be(VerdictAction.Continue);
        var first = session.Mail("<a@sender.example>");
        session.Reset();
        var second = session.Mail("<b@sender.example>");

        new[] { first, second }.Should().AllSatisfy(v =>
        {
            v.Stage.Should().Be(PolicyStage.Mail);
            v.Action.Should().Be(VerdictAction.Discard);
            v.Reason.Should().Be("access DISCARD");
        });
    }

    [Test]
    public void ConnectThatDidNotBlock_ConnectVerdictIsAPlainContinue()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 OK").Session("192.0.2.1");
        session.Connect().Action.Should().Be(VerdictAction.Accept);

        var kept = session.ConnectVerdict;
        kept.Stage.Should().Be(PolicyStage.Connect);
        kept.Action.Should().Be(VerdictAction.Continue, "a verdict that delivers nothing later is not kept");
        kept.IsDeferred.Should().BeFalse();
        kept.DecidedBy.Should().BeNull();
        kept.Reason.Should().NotBeNullOrEmpty("a verdict always names its reason");
    }

    [Test]
    public void ConnectAgain_AfterTheRulesStopRefusing_ForgetsTheHeldRefusal()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules("Connect:192.0.2 REJECT"));
        var session = new PolicyEngine(holder).OpenSession(new ClientFacts("192.0.2.1"));
        session.Connect().IsRefusal.Should().BeTrue();
        holder.Swap(TestPolicy.Rules(""));

        session.Connect().Action.Should().Be(VerdictAction.Continue);

        session.Helo("client.example").Action.Should().Be(VerdictAction.Continue);
        session.ConnectVerdict.IsRefusal.Should().BeFalse();
    }

    [Test]
    public void ConnectRefusal_MailAsync_AsksNoDnsForTheSender()
    {
        var dns = new FakeDnsResolver();
        var engine = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("Connect:192.0.2 REJECT")), new PolicyOptions(), resolver: dns);
        var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
        session.ConnectAsync().AsTask().GetAwaiter().GetResult();

        var mail = session.MailAsync("<a@nowhere.example>").AsTask().GetAwaiter().GetResult();

        mail.Reply!.Line.Should().Be("550 5.7.1 Access denied");
        dns.Asked.Should().BeEmpty("the connect refusal decides: the sender's domain is not asked");
    }
}
