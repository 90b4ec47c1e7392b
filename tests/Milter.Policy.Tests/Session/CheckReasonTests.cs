using Milter.Policy.Model;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// check_relay, check_mail and delay_checks name what decided: the reason of each outcome and the trace note of each
/// skipped check, so an operator reading <c>milter check</c> or the log sees why.
/// </summary>
public sealed class CheckReasonTests
{
    private static PolicyOptions Delay(DelayChecksMode mode) => new() { DelayChecks = mode };

    private static PolicySession Connected(PolicyEngine engine, string address = "192.0.2.1", string? name = null)
    {
        var session = engine.Session(address, name);
        session.Connect();
        return session;
    }

    [Test]
    public void CheckRelay_NoEntry_ContinuesWithItsReason() =>
        TestPolicy.Engine("").Session("192.0.2.1").Connect().Reason.Should().Be("no Connect: entry");

    [Test]
    public void CheckRelay_SkipOnTheAddress_ContinuesAndNamesTheEntry()
    {
        var verdict = TestPolicy.Engine("Connect:192.0.2 SKIP").Session("192.0.2.1").Connect();
        verdict.Action.Should().Be(VerdictAction.Continue);
        verdict.Reason.Should().Be("Connect: SKIP");
        verdict.DecidingKey().Should().Be("connect:192.0.2");
    }

    [Test]
    public void CheckRelay_SkipOnTheName_GoesOnWithTheAddress() =>
        TestPolicy.Engine("Connect:a.example SKIP\nConnect:192.0.2 REJECT").Session("192.0.2.1", "a.example").Connect().Reason.Should().Be("access REJECT");

    [Test]
    public void CheckMail_NullSender_IsAcceptedWithItsReason() =>
        Connected(TestPolicy.Engine("")).Mail("<>").Reason.Should().Be("null sender <> is always accepted (RFC 1123)");

    [Test]
    public void CheckMail_NoEntry_ContinuesWithItsReason() =>
        Connected(TestPolicy.Engine("", new PolicyOptions { AcceptUnresolvableDomains = true })).Mail("<a@b.example>").Reason.Should().Be("no From: entry");

    [Test]
    public void CheckMail_LocalhostSenderFromAStranger_IsRefusedWithItsReason()
    {
        var verdict = Connected(TestPolicy.Engine(""), name: "h.stranger.example").Mail("<a@localhost>");
        verdict.Reply!.Line.Should().Be("553 5.5.4 Real domain name required for sender address");
        verdict.Reason.Should().Be("localhost sender from a client not in class w");
    }

    [Test]
    public void CheckMail_LocalhostSenderFromAClientWithoutAName_IsNotRefusedForIt() =>
        Connected(TestPolicy.Engine("")).Mail("<a@localhost>").IsRefusal.Should().BeFalse();

    [Test]
    public void CheckMail_LocalhostSenderFromALocalName_IsAccepted() =>
        Connected(TestPolicy.Engine(""), name: "mail.example.net").Mail("<a@localhost>").IsRefusal.Should().BeFalse();

    [Test]
    public void CheckMail_LocalhostSender_WithAcceptUnqualifiedSenders_IsNotRefusedForIt() =>
        Connected(TestPolicy.Engine("", new PolicyOptions { AcceptUnqualifiedSenders = true }), name: "h.stranger.example").Mail("<a@localhost>")
            .IsRefusal.Should().BeFalse();

    [Test]
    public void CheckMail_UnqualifiedSender_IsRefusedWithItsReason()
    {
        var verdict = Connected(TestPolicy.Engine("")).Mail("<bob>");
        verdict.Reply!.Line.Should().Be("553 5.5.4 Domain name required for sender address bob");
        verdict.Reason.Should().Be("unqualified sender");
    }

    [Test]
    public void CheckMail_UnqualifiedSenderFromALocalClientWithoutAddress_IsAccepted() =>
        Connected(TestPolicy.Engine(""), address: "").Mail("<bob>").IsRefusal.Should().BeFalse();

    [Test]
    public void CheckMail_FromOkEntry_IsAccepted() =>
        Connected(TestPolicy.Engine("From:b.example OK")).Mail("<a@b.example>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void DelayChecks_TrustedAuth_IsNotedInTheTrace()
    {
        var session = Connected(TestPolicy.Engine("Connect:192.0.2.1 REJECT", Delay(DelayChecksMode.On)));
        session.Mail("<a@b.example>", new AuthFacts("PLAIN", "alice"));
        session.RcptSync("<x@elsewhere.example>").Trace!.Steps
            .Should().Contain(s => s.Key == "delay_checks" && s.Result == "sender and client checks skipped: trusted SMTP AUTH");
    }

    [Test]
    public void DelayChecksFriend_FriendRecipient_IsNotedInTheTrace()
    {
        var session = Connected(TestPolicy.Engine("Spam:abuse@ FRIEND\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Friend)));
        session.Mail("<a@b.example>");
        session.RcptSync("<abuse@example.net>").Trace!.Steps
            .Should().Contain(s => s.Key == "delay_checks" && s.Result == "sender and client checks skipped: recipient is a spam FRIEND");
    }

    [Test]
    public void DelayChecksHater_OtherRecipient_IsNotedInTheTrace()
    {
        var session = Connected(TestPolicy.Engine("Spam:abuse@ HATER\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Hater)));
        session.Mail("<a@b.example>");
        session.RcptSync("<other@example.net>").Trace!.Steps
            .Should().Contain(s => s.Key == "delay_checks" && s.Result == "sender and client checks skipped: recipient is not a spam HATER");
    }

    [Test]
    public void DelayChecksHater_FriendEntryIsNoHater_SoTheChecksAreSkipped() =>
        TestPolicy.Engine("Spam:abuse@ FRIEND\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Hater)).Rcpt("192.0.2.1", "<abuse@example.net>")
            .Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void DelayChecks_HaterEntryUnderFriend_DoesNotSkipTheChecks() =>
        TestPolicy.Engine("Spam:abuse@ HATER\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Friend)).Rcpt("192.0.2.1", "<abuse@example.net>")
            .Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void DelayChecks_FromOk_AcceptsAndSkipsTheClientCheck()
    {
        var verdict = TestPolicy.Engine("From:friend.example OK\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.On))
            .Rcpt("192.0.2.1", "<x@example.net>", from: "<a@friend.example>");
        verdict.Reason.Should().Be("From: OK/RELAY skips the client check (delay_checks)");
        verdict.DecidingKey().Should().Be("from:friend.example");
    }

    [Test]
    public void DelayChecks_NoSender_RunsOnlyTheClientCheck()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 REJECT", Delay(DelayChecksMode.On)).Session("192.0.2.1");
        session.Connect();
        session.RcptSync("<x@example.net>").Reason.Should().Be("access REJECT");
    }
}
