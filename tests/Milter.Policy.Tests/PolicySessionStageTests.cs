using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>Actions at every stage with Sendmail's exact replies (cf/README's access values and default texts, proto.m4's check_relay/check_mail/check_rcpt).</summary>
public sealed class PolicySessionStageTests
{
    [TestCase("OK", VerdictAction.Accept, null)]
    [TestCase("RELAY", VerdictAction.Accept, null)]
    [TestCase("REJECT", VerdictAction.Reject, "550 5.7.1 Access denied")]
    [TestCase("DISCARD", VerdictAction.Discard, null)]
    [TestCase("ERROR:\"554 5.7.1 Blocked\"", VerdictAction.Reject, "554 5.7.1 Blocked")]
    [TestCase("ERROR:4.7.1:\"450 Later\"", VerdictAction.TempFail, "450 4.7.1 Later")]
    [TestCase("ERROR:\"421 4.3.2 Closing\"", VerdictAction.TempFail, "421 4.3.2 Closing")]
    [TestCase("QUARANTINE:check me", VerdictAction.Quarantine, null)]
    [TestCase("NONSENSE", VerdictAction.Reject, "553 5.3.0 NONSENSE")]
    [TestCase("FRIEND", VerdictAction.Reject, "553 5.3.0 FRIEND")]
    [TestCase("SKIP", VerdictAction.Continue, null)]
    public void Connect_Action_GivesVerdict(string value, VerdictAction action, string? reply)
    {
        var verdict = TestPolicy.Engine("Connect:192.0.2.1 " + value).Session("192.0.2.1").Connect();
        verdict.Action.Should().Be(action);
        verdict.Reply?.Line.Should().Be(reply);
    }

    [Test]
    public void Connect_SkipDisabled_IsUnknownValue()
    {
        var verdict = TestPolicy.Engine("Connect:192.0.2.1 SKIP", new PolicyOptions { AccessSkip = false }).Session("192.0.2.1").Connect();
        verdict.Reply!.Line.Should().Be("553 5.3.0 SKIP");
    }

    [Test]
    public void Connect_Refusal_IsDeferredAndDeliveredAtHeloMailAndRcpt()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 REJECT").Session("192.0.2.1");
        var connect = session.Connect();
        connect.IsDeferred.Should().BeTrue();
        session.Helo("x").Reply!.Line.Should().Be("550 5.7.1 Access denied");
        session.Mail("<a@b.example>").Stage.Should().Be(PolicyStage.Mail);
        session.Mail("<a@b.example>").Reply!.Line.Should().Be("550 5.7.1 Access denied");
        session.RcptSync("<x@example.net>").Reply!.Line.Should().Be("550 5.7.1 Access denied");
    }

    [Test]
    public void Connect_RefusalWithoutHelo_IsDeliveredAtMail()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 ERROR:\"554 5.7.1 go\"").Session("192.0.2.1");
        session.Mail("<a@b.example>").Reply!.Line.Should().Be("554 5.7.1 go");
    }

    [Test]
    public void Connect_Discard_AppliesToEveryMessage()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 DISCARD").Session("192.0.2.1");
        session.Connect();
        session.Helo("x").Action.Should().Be(VerdictAction.Continue);
        session.Mail("<a@b.example>").Action.Should().Be(VerdictAction.Discard);
        session.Reset();
        session.Mail("<c@d.example>").Action.Should().Be(VerdictAction.Discard);
    }

    [Test]
    public void Connect_Quarantine_CarriesReasonToMail()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1 QUARANTINE:from a bad net").Session("192.0.2.1");
        session.Connect();
        var mail = session.Mail("<a@b.example>");
        mail.Action.Should().Be(VerdictAction.Quarantine);
        mail.QuarantineReason.Should().Be("from a bad net");
    }

    [Test]
    public void Connect_Ok_DoesNotGrantRelay()
    {
        TestPolicy.Engine("Connect:192.0.2.1 OK").Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line
            .Should().Be("550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [Test]
    public void Connect_NoEntry_Continues()
    {
        var verdict = TestPolicy.Engine("").Session("192.0.2.1", "h.example").Connect();
        verdict.Action.Should().Be(VerdictAction.Continue);
        verdict.Reason.Should().Be("no Connect: entry");
    }

    [Test]
    public void Verdict_DecidedBy_NamesFileAndLine()
    {
        var verdict = TestPolicy.Engine("# c\nConnect:192.0.2.1 REJECT").Session("192.0.2.1").Connect();
        verdict.DecidedBy!.Location.Should().Be("access:2");
        verdict.Trace!.Steps.Should().ContainSingle(s => s.IsHit).Which.ToString().Should().Be("access connect:192.0.2.1 -> REJECT (access:2)");
    }

    [Test]
    public void Helo_NoConnectRefusal_Continues() =>
        TestPolicy.Engine("").Session("192.0.2.1").Helo("anything").Action.Should().Be(VerdictAction.Continue);

    [TestCase("OK", VerdictAction.Accept, null)]
    [TestCase("RELAY", VerdictAction.Accept, null)]
    [TestCase("REJECT", VerdictAction.Reject, "550 5.7.1 Access denied")]
    [TestCase("DISCARD", VerdictAction.Discard, null)]
    [TestCase("ERROR:\"553 5.1.8 Sender domain bad\"", VerdictAction.Reject, "553 5.1.8 Sender domain bad")]
    [TestCase("ERROR:451 try later", VerdictAction.TempFail, "451 4.0.0 try later")]
    [TestCase("QUARANTINE:review", VerdictAction.Quarantine, null)]
    [TestCase("what", VerdictAction.Reject, "553 5.3.0 what")]
    [TestCase("SKIP", VerdictAction.Continue, null)]
    public void Mail_Action_GivesVerdict(string value, VerdictAction action, string? reply)
    {
        var session = TestPolicy.Engine("From:bad.example " + value).Session("192.0.2.1");
        session.Connect();
        var verdict = session.Mail("<someone@bad.example>");
        verdict.Action.Should().Be(action);
        verdict.Reply?.Line.Should().Be(reply);
    }

    [Test]
    public void Mail_NullSender_IsNeverLookedUp()
    {
        var session = TestPolicy.Engine("From:<> REJECT\n<> REJECT").Session("192.0.2.1");
        var verdict = session.Mail("<>");
        verdict.Action.Should().Be(VerdictAction.Continue);
        verdict.Trace!.Steps.Should().BeEmpty();
    }

    [Test]
    public void Mail_Unqualified_IsRejectedFromRemoteClient() =>
        TestPolicy.Engine("").Session("192.0.2.1").Mail("<root>").Reply!.Line.Should().Be("553 5.5.4 Domain name required for sender address root");

    [Test]
    public void Mail_Unqualified_IsAcceptedWithOption() =>
        TestPolicy.Engine("", new PolicyOptions { AcceptUnqualifiedSenders = true }).Session("192.0.2.1").Mail("<root>").Action.Should().Be(VerdictAction.Continue);

    [Test]
    public void Mail_Unqualified_IsAcceptedFromLocalSocket() =>
        TestPolicy.Engine("").Session("").Mail("<root>").Action.Should().Be(VerdictAction.Continue);

    [TestCase("<root@localhost>")]
    [TestCase("<root@[127.0.0.1]>")]
    [TestCase("<root@[IPv6:::1]>")]
    [TestCase("<root@[IPv6:0:0:0:0:0:0:0:1]>")]
    public void Mail_LocalhostSenderFromStranger_NeedsRealDomain(string sender) =>
        TestPolicy.Engine("").Session("192.0.2.1", "h.stranger.example").Mail(sender).Reply!.Line
            .Should().Be("553 5.5.4 Real domain name required for sender address");

    [Test]
    public void Mail_LocalhostSenderFromLocalName_IsAccepted() =>
        TestPolicy.Engine("").Session("127.0.0.1", "localhost").Mail("<root@localhost>").Action.Should().Be(VerdictAction.Continue);

    [Test]
    public void Mail_FromOkOverridesUnresolvableDomain() =>
        TestPolicy.Engine("From:unresolvable.example OK").Session("192.0.2.1").Mail("<x@unresolvable.example>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_NullRecipient_IsUserAddressRequired() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<>").Reply!.Line.Should().Be("553 5.1.1 User address required");

    [TestCase("REJECT", "550 5.2.1 Mailbox disabled for this recipient")]
    [TestCase("ERROR:\"550 5.1.1 No such user\"", "550 5.1.1 No such user")]
    [TestCase("ERROR:\"450 4.2.1 Try later\"", "450 4.2.1 Try later")]
    [TestCase("bogus", "553 5.3.0 bogus")]
    public void Rcpt_Blocklist_RefusesWithText(string value, string reply)
    {
        var engine = TestPolicy.Engine("To:gone@example.net " + value, new PolicyOptions { BlocklistRecipients = true });
        engine.Rcpt("192.0.2.1", "<gone@example.net>").Reply!.Line.Should().Be(reply);
    }

    [TestCase("DISCARD", VerdictAction.Discard)]
    [TestCase("QUARANTINE:x", VerdictAction.Quarantine)]
    [TestCase("OK", VerdictAction.Accept)]
    [TestCase("RELAY", VerdictAction.Accept)]
    [TestCase("SKIP", VerdictAction.Accept)]
    public void Rcpt_BlocklistNonRefusals_Act(string value, VerdictAction action)
    {
        var engine = TestPolicy.Engine("To:gone@example.net " + value, new PolicyOptions { BlocklistRecipients = true });
        engine.Rcpt("192.0.2.1", "<gone@example.net>").Action.Should().Be(action);
    }

    [Test]
    public void Rcpt_BlocklistOff_ToRejectIsIgnored() =>
        TestPolicy.Engine("To:gone@example.net REJECT").Rcpt("192.0.2.1", "<gone@example.net>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_BlocklistUserForm_OnlyForLocalDomains()
    {
        var engine = TestPolicy.Engine("To:abuse@ REJECT\nTo:partner.example RELAY", new PolicyOptions { BlocklistRecipients = true });
        engine.Rcpt("192.0.2.1", "<abuse@example.net>").Action.Should().Be(VerdictAction.Reject);
        engine.Rcpt("192.0.2.1", "<abuse@partner.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void Rcpt_BlocklistUntaggedEntry_AlsoRejects() =>
        TestPolicy.Engine("spam.example REJECT", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("192.0.2.1", "<x@spam.example>", from: "<a@b.example>").Reply!.Line.Should().Be("550 5.2.1 Mailbox disabled for this recipient");

    [Test]
    public void Rcpt_BlocklistBeatsTrustedAuth() =>
        TestPolicy.Engine("To:gone@example.net REJECT", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("192.0.2.1", "<gone@example.net>", auth: new AuthFacts("PLAIN", "u")).Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void Replies_AreOverridable()
    {
        var options = new PolicyOptions { Replies = new ReplyTexts { AccessDenied = "554 5.7.1 Go away", RelayDeniedAuthRequired = "550 5.7.1 No relay, log in" } };
        var engine = TestPolicy.Engine("Connect:192.0.2.1 REJECT", options);
        engine.Session("192.0.2.1").Connect().Reply!.Line.Should().Be("554 5.7.1 Go away");
        engine.Rcpt("192.0.2.2", "<x@elsewhere.example>").Reply!.Line.Should().Be("550 5.7.1 No relay, log in");
    }

    [Test]
    public void Replies_MultiLine_KeepEachLine_AndLogAsOneLine()
    {
        var options = new PolicyOptions { Replies = new ReplyTexts { RelayDeniedAuthRequired = "550 5.7.1 No relay, log in\nSee https://example.net/relay" } };
        PolicyReply reply = TestPolicy.Engine("", options).Rcpt("192.0.2.2", "<x@elsewhere.example>").Reply!;

        reply.TextLines.Should().Equal("No relay, log in", "See https://example.net/relay");
        reply.Line.Should().Be("550 5.7.1 No relay, log in\\nSee https://example.net/relay", "a log line stays one line");
    }

    [Test]
    public void Replies_FromTheAccessFile_AreOneLine() =>
        TestPolicy.Engine("Connect:192.0.2.1 ERROR:5.7.1:\"550 Go away, see https://example.net/why\"")
            .Session("192.0.2.1").Connect().Reply!.TextLines.Should().Equal("Go away, see https://example.net/why");

    [Test]
    public void Replies_Invalid_AreRejectedAtConstruction()
    {
        var act = () => TestPolicy.Engine("", new PolicyOptions { Replies = new ReplyTexts { AccessDenied = "denied" } });
        act.Should().Throw<ArgumentException>().WithMessage("*AccessDenied*");
    }
}
