using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>
/// Issue 12 item 3: the access lookups see an address as Sendmail's CanonAddr (canonify, Parse0) makes it, not as the
/// client wrote it. Each case was found by, and agrees with, the Sendmail oracle (tests/Milter.Oracle.Tests).
/// </summary>
public sealed class PolicySessionAddressFormTests
{
    private const string HostName = "mta.test.example";
    private const string Stranger = "192.0.2.1";

    private static PolicyOptions Options(bool blocklist = false, bool skip = true) =>
        new() { HostName = HostName, BlocklistRecipients = blocklist, AccessSkip = skip };

    [Test]
    public void Rcpt_UnqualifiedRecipient_IsLookedUpAsUserAt() =>
        TestPolicy.Engine("To:bob@ ERROR:\"550 5.1.1 Bob has left\"", Options(blocklist: true)).Rcpt(Stranger, "<bob>").Reply!.Line
            .Should().Be("550 5.1.1 Bob has left");

    [Test]
    public void Mail_UnqualifiedSender_FoundAsUserAt_IsNotDomainNameRequired()
    {
        var engine = TestPolicy.Engine("From:bob@ OK\nFrom:eve@ REJECT", Options());
        engine.Session(Stranger).Mail("<bob>").Action.Should().Be(VerdictAction.Accept);
        engine.Session(Stranger).Mail("<eve>").Reply!.Line.Should().Be("550 5.7.1 Access denied");
        engine.Session(Stranger).Mail("<carol>").Reply!.Line.Should().Be("553 5.5.4 Domain name required for sender address carol");
    }

    [TestCase("<root@localhost>")]
    [TestCase("<root@LocalHost>")]
    [TestCase("<root@localhost.test.example>")]
    [TestCase("<root@localhost.uucp>")]
    [TestCase("<root@[127.0.0.1]>")]
    public void Mail_LocalhostFormsFromALocalClient_AreLookedUpAsTheHostName(string sender) =>
        TestPolicy.Engine("From:root@mta.test.example ERROR:\"550 5.7.1 not root\"", Options(), local: "example.net\n[127.0.0.1]\n")
            .Session("127.0.0.1", "localhost").Mail(sender).Reply!.Line.Should().Be("550 5.7.1 not root");

    [TestCase("<root@localhost.test.example>")]
    [TestCase("<root@localhost.UUCP>")]
    public void Mail_LocalhostDotMFromAStranger_NeedsARealDomain(string sender) =>
        TestPolicy.Engine("", Options()).Session(Stranger, "h.stranger.example").Mail(sender).Reply!.Line
            .Should().Be("553 5.5.4 Real domain name required for sender address");

    [Test]
    public void Mail_LocalhostForms_AreNotCheckedWithAcceptUnqualifiedSenders() =>
        TestPolicy.Engine("", new PolicyOptions { HostName = HostName, AcceptUnqualifiedSenders = true })
            .Session(Stranger, "h.stranger.example").Mail("<root@localhost>").Action.Should().Be(VerdictAction.Continue);

    [Test]
    public void Mail_TrailingDot_IsLookedUpWithout() =>
        TestPolicy.Engine("From:a@b.example REJECT", Options()).Session(Stranger).Mail("<a@b.example.>").Reply!.Line
            .Should().Be("550 5.7.1 Access denied");

    [Test]
    public void Mail_UnqualifiedSenderFromClientZero_IsRefused() =>
        TestPolicy.Engine("", Options()).Session("0").Mail("<root>").Reply!.Line.Should().Be("553 5.5.4 Domain name required for sender address root");

    // Sendmail 8.17 (the oracle's "0" sessions): Relay_ok's "R0 $@ RELAY originated locally" relays for a
    // {client_addr} of 0, while check_mail above takes an unqualified sender only from an empty {client_addr}.
    [Test]
    public void Rcpt_RemoteRecipientFromClientZero_IsRelayedAsOriginatedLocally() =>
        TestPolicy.Engine("", Options()).Rcpt("0", "<x@remote.example>", "host.example.com").IsRefusal.Should().BeFalse();

    [TestCase("0.0.0.0")]
    [TestCase("00")]
    public void Rcpt_RemoteRecipientFromAnAddressThatOnlyLooksLikeZero_IsRefused(string address) =>
        TestPolicy.Engine("", Options()).Rcpt(address, "<x@remote.example>", "host.example.com").Reply!.Line.Should().StartWith("550 5.7.1 Relaying denied");

    [Test]
    public void Rcpt_OwnAddressLiteral_IsLookedUpAsTheHostName() =>
        TestPolicy.Engine("To:bob@mta.test.example REJECT", Options(blocklist: true), local: "example.net\n[192.0.2.10]\n")
            .Rcpt(Stranger, "<bob@[192.0.2.10]>").Reply!.Line.Should().Be("550 5.2.1 Mailbox disabled for this recipient");

    [Test]
    public void Rcpt_LocalhostRecipient_IsLookedUpAsTheHostName() =>
        TestPolicy.Engine("To:bob@mta.test.example REJECT", Options(blocklist: true)).Rcpt(Stranger, "<bob@localhost>").Reply!.Line
            .Should().Be("550 5.2.1 Mailbox disabled for this recipient");

    [Test]
    public void Rcpt_PercentHackToLocalDomain_IsLookedUpAsTheInnerAddress() =>
        TestPolicy.Engine("To:a@b.example ERROR:\"550 5.7.1 no\"", Options(blocklist: true)).Rcpt(Stranger, "<a%b.example@example.net>").Reply!.Line
            .Should().Be("550 5.7.1 no");

    [Test]
    public void Rcpt_UserAtWithoutDomain_IsUnqualified() =>
        TestPolicy.Engine("To:bob@ REJECT", Options(blocklist: true)).Rcpt(Stranger, "<bob@>").Reply!.Line
            .Should().Be("550 5.2.1 Mailbox disabled for this recipient");

    [Test]
    public void Mail_SkipOnAUserOrFullAddress_IsSendmailsGenericError()
    {
        var engine = TestPolicy.Engine("From:bob@ SKIP\nFrom:eve@x.example SKIP", Options());
        engine.Session(Stranger).Mail("<bob@x.example>").Reply!.Line.Should().Be("553 5.3.0 SKIP");
        engine.Session(Stranger).Mail("<eve@x.example>").Reply!.Line.Should().Be("553 5.3.0 SKIP");
    }

    [Test]
    public void Mail_SkipOnADomain_EndsTheWalkAsNotFound() =>
        TestPolicy.Engine("From:x.example SKIP\nFrom:example REJECT", Options()).Session(Stranger).Mail("<bob@x.example>")
            .Action.Should().Be(VerdictAction.Continue);

    [TestCase(true, VerdictAction.Accept)]
    [TestCase(false, VerdictAction.Reject)]
    public void Rcpt_BlocklistSkipOnAUserKey_IsNoMatchOnlyWithTheSkipFeature(bool skip, VerdictAction action) =>
        TestPolicy.Engine("To:bob@ SKIP", Options(blocklist: true, skip: skip)).Rcpt(Stranger, "<bob@example.net>").Action.Should().Be(action);

    [Test]
    public void Rcpt_ErrorTextWithAngle_EndsAtTheAngleForToButNotForConnect()
    {
        const string Value = "ERROR:550 Contact <postmaster@example.net>";
        TestPolicy.Engine("To:bob@example.net " + Value, Options(blocklist: true)).Rcpt(Stranger, "<bob@example.net>").Reply!.Line
            .Should().Be("550 5.0.0 Contact<postmaster@example.net");
        TestPolicy.Engine("Connect:192.0.2.1 " + Value, Options()).Session(Stranger).Connect().Reply!.Line
            .Should().Be("550 5.0.0 Contact<postmaster@example.net>");
    }
}
