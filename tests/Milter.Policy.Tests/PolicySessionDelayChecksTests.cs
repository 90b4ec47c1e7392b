using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>FEATURE(delay_checks) with and without friend/hater (cf/README FEATURE(delay_checks)).</summary>
public sealed class PolicySessionDelayChecksTests
{
    private static PolicyOptions Delay(DelayChecksMode mode = DelayChecksMode.On) => new() { DelayChecks = mode };

    [Test]
    public void DelayChecks_ConnectAndMail_AreNotRefused()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 REJECT\nFrom:bad.example REJECT", Delay()).Session("192.0.2.1");
        session.Connect().Action.Should().Be(VerdictAction.Continue);
        session.Helo("x").Action.Should().Be(VerdictAction.Continue);
        session.Mail("<a@bad.example>").Action.Should().Be(VerdictAction.Continue);
    }

    [Test]
    public void DelayChecks_SenderRejectedAtRcpt()
    {
        var verdict = TestPolicy.Engine("From:bad.example REJECT", Delay()).Rcpt("192.0.2.1", "<x@example.net>", from: "<a@bad.example>");
        verdict.Stage.Should().Be(PolicyStage.Rcpt);
        verdict.Reply!.Line.Should().Be("550 5.7.1 Access denied");
    }

    [Test]
    public void DelayChecks_ClientRejectedAtRcpt() =>
        TestPolicy.Engine("Connect:192.0.2.1 ERROR:\"554 5.7.1 Blocked\"", Delay()).Rcpt("192.0.2.1", "<x@example.net>").Reply!.Line.Should().Be("554 5.7.1 Blocked");

    [Test]
    public void DelayChecks_TrustedAuth_SkipsChecks() =>
        TestPolicy.Engine("Connect:192.0.2.1 REJECT", Delay()).Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("LOGIN", "u"))
            .Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void DelayChecks_FromOk_AcceptsRecipientEvenForRelay()
    {
        var verdict = TestPolicy.Engine("From:friend.example OK\nConnect:192.0.2.1 REJECT", Delay()).Rcpt("192.0.2.1", "<x@elsewhere.example>", from: "<a@friend.example>");
        verdict.Action.Should().Be(VerdictAction.Accept);
        verdict.DecidedBy!.Location.Should().Be("access:1");
    }

    [Test]
    public void DelayChecks_NoEntries_FallsThroughToRelayCheck() =>
        TestPolicy.Engine("", Delay()).Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be("550 5.7.1 Relaying denied. Proper authentication required.");

    [TestCase("Spam:abuse@ FRIEND", "<abuse@example.net>", VerdictAction.Accept)]
    [TestCase("Spam:abuse@example.net FRIEND", "<abuse@example.net>", VerdictAction.Accept)]
    [TestCase("Spam:example.net FRIEND", "<anyone@example.net>", VerdictAction.Accept)]
    [TestCase("Spam:abuse@ FRIEND", "<other@example.net>", VerdictAction.Reject)]
    [TestCase("abuse@ FRIEND", "<abuse@example.net>", VerdictAction.Reject)]
    public void DelayChecksFriend_FriendRecipient_SkipsChecks(string spam, string rcpt, VerdictAction action) =>
        TestPolicy.Engine(spam + "\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Friend)).Rcpt("192.0.2.1", rcpt).Action.Should().Be(action);

    [TestCase("Spam:abuse@ HATER", "<abuse@example.net>", VerdictAction.Reject)]
    [TestCase("Spam:abuse@ HATER", "<other@example.net>", VerdictAction.Accept)]
    [TestCase("Spam:example.net HATER", "<other@example.net>", VerdictAction.Reject)]
    public void DelayChecksHater_OnlyHaterRecipients_AreChecked(string spam, string rcpt, VerdictAction action) =>
        TestPolicy.Engine(spam + "\nConnect:192.0.2.1 REJECT", Delay(DelayChecksMode.Hater)).Rcpt("192.0.2.1", rcpt).Action.Should().Be(action);

    [Test]
    public void DelayChecks_SpamLookupOrder_IsFullDomainUser()
    {
        var session = TestPolicy.Engine("", Delay(DelayChecksMode.Friend)).Session("192.0.2.1");
        session.Mail("<a@b.example>");
        session.RcptSync("<u@example.net>").Trace!.Steps.Where(s => s.Key.StartsWith("spam:", StringComparison.Ordinal)).Select(s => s.Key)
            .Should().Equal("spam:u@example.net", "spam:example.net", "spam:net", "spam:u@");
    }
}
