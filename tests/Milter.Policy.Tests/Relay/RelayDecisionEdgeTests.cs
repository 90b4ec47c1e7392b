using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Relay;

/// <summary>
/// The relay decision at its edges: an untagged RELAY entry authorising the <c>%</c> hack, local parts that start with
/// a routing character or <c>+</c>, and the trace notes that say why a client or sender was let through.
/// </summary>
public sealed class RelayDecisionEdgeTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void UntaggedRelayEntry_AuthorisesThePercentHack_SoTheInnerAddressIsCheckedAgain()
    {
        var verdict = TestPolicy.Engine("partner.example RELAY").Rcpt("192.0.2.1", "<victim%elsewhere.example@partner.example>");
        verdict.Reply!.Line.Should().Be(Denied);
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "ParseRecipient" && s.Result == "re-checking victim%elsewhere.example");
    }

    [Test]
    public void UntaggedRelayEntry_StillRelaysThePlainRecipient() =>
        TestPolicy.Engine("partner.example RELAY").Rcpt("192.0.2.1", "<victim@partner.example>").Reason.Should().Be("To: RELAY for the recipient");

    [TestCase("<%elsewhere.example@relay.example>")]
    [TestCase("<!victim@relay.example>")]
    public void LocalPartStartingWithARoutingCharacter_IsParsedAgain(string rcpt) =>
        TestPolicy.Engine("", relay: "relay.example\n").Rcpt("192.0.2.1", rcpt).Trace!.Steps.Should().Contain(s => s.Key == "ParseRecipient");

    [Test]
    public void LocalClient_IsNotedAsLocalInTheTrace()
    {
        var verdict = TestPolicy.Engine("").Rcpt("127.0.0.1", "<x@elsewhere.example>");
        verdict.Reason.Should().Be("client originated locally");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "client_addr" && s.Result == "local (empty, 0, 127.0.0.1 or ::1)");
    }

    [Test]
    public void TrustedAuth_NamesTheMechanismInTheTrace() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("PLAIN", "alice")).Trace!.Steps
            .Should().Contain(s => s.Key == "{auth_type}" && s.Result == "PLAIN is trusted (TRUST_AUTH_MECH)");

    [TestCase(LeaseStatus.Leased)]
    [TestCase(LeaseStatus.NotLeased)]
    [TestCase(LeaseStatus.Unavailable)]
    public void LeaseAnswer_IsTracedUnderTheClientAddress(LeaseStatus status) =>
        TestPolicy.Engine("", leases: new FixedLeaseStore(status)).Rcpt("192.0.2.9", "<x@elsewhere.example>").Trace!.Steps
            .Should().Contain(s => s.Key == "192.0.2.9" && s.Result == status.ToString());

    [Test]
    public void SenderStartingWithPlus_IsSearchedAsAnEmptyUserWithDetail() =>
        TestPolicy.Engine("From:+*@b.example REJECT").Session("192.0.2.1").Mail("<+news@b.example>").Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void SenderStartingWithPlus_IsFoundByItsEmptyUser() =>
        TestPolicy.Engine("From:@b.example REJECT").Session("192.0.2.1").Mail("<+news@b.example>").Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void UnqualifiedSenderStartingWithPlus_IsSearchedAsAnEmptyUserWithDetail()
    {
        var engine = TestPolicy.Engine("From:+*@ REJECT", new PolicyOptions { AcceptUnqualifiedSenders = true });
        var verdict = engine.Session("192.0.2.1").Mail("<+news>");
        verdict.Action.Should().Be(VerdictAction.Reject);
    }

    [Test]
    public void BlocklistedUntaggedMailbox_IsRefusedWithTheMailboxText() =>
        TestPolicy.Engine("gone@example.net REJECT", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("192.0.2.1", "<gone@example.net>").Reply!.Line.Should().Be("550 5.2.1 Mailbox disabled for this recipient");

    // proto.m4's blocklist_recipients searches a local recipient as <F:user@domain> <U:user@> <D:domain>: the user
    // entry answers before the domain entry.
    [Test]
    public void BlocklistedLocalDomain_AUserEntryAnswersBeforeTheDomainEntry() =>
        TestPolicy.Engine("To:bob@ OK\nTo:example.net REJECT\n", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("192.0.2.1", "<bob@example.net>").IsRefusal.Should().BeFalse();

    [Test]
    public void Localhost_IsInClassW_WithoutAHostNameOrLocalHostNames() =>
        TestPolicy.Engine("", new PolicyOptions(), local: "")
            .Rcpt("192.0.2.1", "<postmaster@localhost>").IsRefusal.Should().BeFalse("localhost is always one of our names (class w)");
}
