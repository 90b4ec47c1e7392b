using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Session;

/// <summary>What a session remembers between stages: the connect verdict, HELO name, sender, rule-set version, trace switch.</summary>
public sealed class SessionBookkeepingTests
{
    [Test]
    public void Helo_Continues_WhateverTheName()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1");
        session.Connect();
        var verdict = session.Helo("client.example");
        verdict.Stage.Should().Be(PolicyStage.Helo);
        verdict.Action.Should().Be(VerdictAction.Continue);
        verdict.Reason.Should().Be("no HELO check in Sendmail's access rules");
    }

    [Test]
    public void Helo_WithoutConnect_RunsTheConnectCheckFirst()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 REJECT").Session("192.0.2.1");
        var verdict = session.Helo("client.example");
        verdict.Stage.Should().Be(PolicyStage.Helo);
        verdict.Reply!.Line.Should().Be("550 5.7.1 Access denied");
        session.ConnectVerdict.IsDeferred.Should().BeTrue();
    }

    [Test]
    public void Rcpt_WithoutConnect_RunsTheConnectCheckFirst()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 REJECT").Session("192.0.2.1");
        var verdict = session.RcptSync("<x@example.net>");
        verdict.Stage.Should().Be(PolicyStage.Rcpt);
        verdict.Action.Should().Be(VerdictAction.Reject);
    }

    [Test]
    public void Connect_CalledAgain_IsNotRepeatedByLaterStages()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules(""));
        var session = new PolicyEngine(holder).OpenSession(new ClientFacts("192.0.2.1", null, ClientResolve.Unknown), trace: true);
        session.Connect().Action.Should().Be(VerdictAction.Continue);
        holder.Swap(TestPolicy.Rules("Connect:192.0.2 REJECT"));
        session.Mail("<a@b.example>").Action.Should().Be(VerdictAction.Continue, "check_relay ran at connect, with the rules of then");
    }

    [Test]
    public void ConnectVerdict_IsWhatConnectReturned()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 DISCARD").Session("192.0.2.1");
        var verdict = session.Connect();
        session.ConnectVerdict.Action.Should().Be(verdict.Action);
        session.ConnectVerdict.Reason.Should().Be("access DISCARD");
        verdict.IsDeferred.Should().BeTrue("DISCARD blocks, so it is delivered later");
    }

    [Test]
    public void Connect_Continue_IsNotDeferred() =>
        TestPolicy.Engine("").Session("192.0.2.1").Connect().IsDeferred.Should().BeFalse();

    [Test]
    public void DelayChecks_ConnectAndMail_NameTheDeferral()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 REJECT", new PolicyOptions { DelayChecks = DelayChecksMode.On }).Session("192.0.2.1");
        session.Connect().Reason.Should().Be("Connect: check deferred to RCPT (delay_checks)");
        session.Mail("<a@b.example>").Reason.Should().Be("From: check deferred to RCPT (delay_checks)");
    }

    [Test]
    public void MailReject_BeatsConnectDiscard()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 DISCARD\nFrom:a@b.example REJECT").Session("192.0.2.1");
        session.Connect();
        session.Mail("<a@b.example>").Action.Should().Be(VerdictAction.Reject);
    }

    [Test]
    public void ConnectDiscard_IsDeliveredAtMailStage()
    {
        var session = TestPolicy.Engine("Connect:192.0.2 DISCARD").Session("192.0.2.1");
        session.Connect();
        var verdict = session.Mail("<a@b.example>");
        verdict.Action.Should().Be(VerdictAction.Discard);
        verdict.Stage.Should().Be(PolicyStage.Mail);
    }

    [Test]
    public void Reset_ForgetsTheSender_SoDelayedFromCheckIsNotRun()
    {
        var session = TestPolicy.Engine("From:bad@b.example REJECT", new PolicyOptions { DelayChecks = DelayChecksMode.On }).Session("192.0.2.1");
        session.Connect();
        session.Mail("<bad@b.example>");
        session.RcptSync("<x@example.net>").Action.Should().Be(VerdictAction.Reject);
        session.Reset();
        session.RcptSync("<x@example.net>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void Reset_KeepsTheAuthFacts()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1");
        session.Connect();
        session.Mail("<a@b.example>", new AuthFacts("PLAIN", "alice"));
        session.Reset();
        session.RcptSync("<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void Verdicts_CarryTheRuleSetVersionTheyWereDecidedWith()
    {
        var loader = new RuleSetLoader();
        RuleSet Load(string access) => loader.Load(PolicyFile.FromText("access", access), PolicyFile.FromText("relay-domains", ""),
            PolicyFile.FromText("local-host-names", TestPolicy.DefaultLocal), strict: true).RuleSet!;
        var holder = new RuleSetHolder(Load(""));
        var first = holder.Current.Version;
        var session = new PolicyEngine(holder).OpenSession(new ClientFacts("192.0.2.1", null, ClientResolve.Unknown));
        session.Connect().RuleSetVersion.Should().Be(first);
        holder.Swap(Load("Connect:192.0.3 REJECT"));
        var second = holder.Current.Version;
        second.Should().NotBe(first);
        session.Mail("<a@b.example>").RuleSetVersion.Should().Be(second);
        session.RcptSync("<x@elsewhere.example>").RuleSetVersion.Should().Be(second);
        session.Helo("h").RuleSetVersion.Should().Be(second);
    }

    [Test]
    public void Untraced_VerdictsHaveNoTrace()
    {
        var session = TestPolicy.Engine("").OpenSession(new ClientFacts("192.0.2.1", null, ClientResolve.Unknown), trace: false);
        session.Connect().Trace.Should().BeNull();
        session.Mail("<a@b.example>").Trace.Should().BeNull();
        session.RcptSync("<x@example.net>").Trace.Should().BeNull();
    }
}
