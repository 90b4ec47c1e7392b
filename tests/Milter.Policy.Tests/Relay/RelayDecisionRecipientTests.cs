using Milter.Policy.Model;

namespace Milter.Policy.Tests.Relay;

/// <summary>Rcpt_ok: which recipient-side rule accepts, with what reason, and what never opens the relay.</summary>
public sealed class RelayDecisionRecipientTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void EmptyRecipient_IsUserAddressRequired()
    {
        var verdict = TestPolicy.Engine("").Rcpt("127.0.0.1", "<>");
        verdict.Action.Should().Be(VerdictAction.Reject);
        verdict.Reply!.Line.Should().Be("553 5.1.1 User address required");
    }

    [TestCase("<x@example.net>", "", "recipient domain is in class w (local)")]
    [TestCase("<x@relay.example>", "", "recipient domain in class R")]
    [TestCase("<x@partner.example>", "To:partner.example RELAY", "To: RELAY for the recipient")]
    [TestCase("<postmaster>", "", "unqualified recipient is a local user")]
    public void AcceptingRule_IsNamedInTheReason(string rcpt, string access, string reason) =>
        TestPolicy.Engine(access, relay: "relay.example\n").Rcpt("192.0.2.1", rcpt).Reason.Should().Be(reason);

    [Test]
    public void RecipientInClassM_IsNamedInTheReason() =>
        TestPolicy.Engine("", new PolicyOptions { RelayEntireDomain = true, HostDomains = ["corp.example"] })
            .Rcpt("192.0.2.1", "<x@a.corp.example>").Reason.Should().Be("recipient domain in class m (relay_entire_domain)");

    [Test]
    public void RecipientInClassM_WithoutRelayEntireDomain_IsDenied() =>
        TestPolicy.Engine("", new PolicyOptions { HostDomains = ["corp.example"] })
            .Rcpt("192.0.2.1", "<x@a.corp.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void TrustedAuth_IsNamedInTheReasonAndTrace()
    {
        var verdict = TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("PLAIN", "alice"));
        verdict.Reason.Should().Be("authenticated with a trusted mechanism");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "{auth_type}");
    }

    [Test]
    public void PercentHackThroughToRelayDomain_IsRecheckedAndDenied() =>
        TestPolicy.Engine("To:partner.example RELAY").Rcpt("192.0.2.1", "<victim%elsewhere.example@partner.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void PercentHackThroughClassMDomain_IsRecheckedAndDenied() =>
        TestPolicy.Engine("", new PolicyOptions { RelayEntireDomain = true, HostDomains = ["corp.example"] })
            .Rcpt("192.0.2.1", "<victim%elsewhere.example@a.corp.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void PercentHackThroughClassMDomain_WithoutRelayEntireDomain_IsNotUnwrapped()
    {
        // corp.example is not authorised, so the local part is not parsed again: the address is judged as it stands.
        var verdict = TestPolicy.Engine("", new PolicyOptions { HostDomains = ["corp.example"] }).Rcpt("192.0.2.1", "<victim%elsewhere.example@a.corp.example>");
        verdict.Reply!.Line.Should().Be(Denied);
        verdict.Trace!.Steps.Should().NotContain(s => s.Key == "ParseRecipient");
    }

    [Test]
    public void PercentHackThroughRelayDomain_TraceShowsTheRecheck() =>
        TestPolicy.Engine("", relay: "relay.example\n").Rcpt("192.0.2.1", "<victim%elsewhere.example@relay.example>")
            .Trace!.Steps.Should().Contain(s => s.Key == "ParseRecipient" && s.Result!.StartsWith("re-checking victim"));

    [Test]
    public void PercentHackToRelayDomainWithHostsOnly_SubdomainIsNotAuthorised()
    {
        var verdict = TestPolicy.Engine("", new PolicyOptions { RelayHostsOnly = true }, relay: "relay.example\n")
            .Rcpt("192.0.2.1", "<victim%relay.example@a.relay.example>");
        verdict.Reply!.Line.Should().Be(Denied);
        verdict.Trace!.Steps.Should().NotContain(s => s.Key == "ParseRecipient");
    }

    [Test]
    public void PercentHackToToRelayWithHostsOnly_SubdomainIsNotAuthorised() =>
        TestPolicy.Engine("To:partner.example RELAY", new PolicyOptions { RelayHostsOnly = true })
            .Rcpt("192.0.2.1", "<victim%partner.example@a.partner.example>").Trace!.Steps.Should().NotContain(s => s.Key == "ParseRecipient");

    [Test]
    public void PercentHackToToRelayOk_IsNotUnwrapped() =>
        TestPolicy.Engine("To:partner.example OK").Rcpt("192.0.2.1", "<victim%partner.example@partner.example>")
            .Trace!.Steps.Should().NotContain(s => s.Key == "ParseRecipient");

    [Test]
    public void DeeplyNestedPercentHack_StopsUnwrappingAndIsDenied()
    {
        var rcpt = "<v" + string.Concat(Enumerable.Repeat("%relay.example", 12)) + "@relay.example>";
        var verdict = TestPolicy.Engine("", relay: "relay.example\n").Rcpt("192.0.2.1", rcpt);
        verdict.Trace!.Steps.Count(s => s.Key == "ParseRecipient").Should().Be(8, "the unwrapping stops at depth 8");
    }

    [Test]
    public void RelayToFullAddress_DomainEntryWinsOverUserEntry() =>
        TestPolicy.Engine("To:x@ RELAY\nTo:partner.example OK", new PolicyOptions { RelayToFullAddress = true })
            .Rcpt("192.0.2.1", "<x@partner.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void RelayToFullAddress_FullAddressWinsOverDomainEntry() =>
        TestPolicy.Engine("To:x@partner.example RELAY\nTo:partner.example OK", new PolicyOptions { RelayToFullAddress = true })
            .Rcpt("192.0.2.1", "<x@partner.example>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void WithoutRelayToFullAddress_UserEntryDoesNotRelay() =>
        TestPolicy.Engine("To:x@ RELAY").Rcpt("192.0.2.1", "<x@partner.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void BlocklistRecipients_UserEntryAppliesToLocalDomainsOnly()
    {
        var engine = TestPolicy.Engine("To:x@ REJECT", new PolicyOptions { BlocklistRecipients = true }, relay: "relay.example\n");
        engine.Rcpt("192.0.2.1", "<x@example.net>").Action.Should().Be(VerdictAction.Reject);
        engine.Rcpt("192.0.2.1", "<x@relay.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [TestCase("OK")]
    [TestCase("RELAY")]
    public void BlocklistRecipients_OkOrRelay_DoesNotDecide(string value)
    {
        var verdict = TestPolicy.Engine("To:x@elsewhere.example " + value, new PolicyOptions { BlocklistRecipients = true }).Rcpt("192.0.2.1", "<x@elsewhere.example>");
        verdict.Reply!.Line.Should().Be(Denied, "blocklist_recipients never accepts; relaying needs a relay rule");
    }

    [Test]
    public void BlocklistRecipients_Skip_IsNotARefusal() =>
        TestPolicy.Engine("To:x@example.net SKIP", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("192.0.2.1", "<x@example.net>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void BlocklistRecipients_RejectOnRemoteAddress_UsesRecipientText() =>
        TestPolicy.Engine("To:x@elsewhere.example REJECT", new PolicyOptions { BlocklistRecipients = true })
            .Rcpt("127.0.0.1", "<x@elsewhere.example>").Reply!.Line.Should().Be("550 5.2.1 Mailbox disabled for this recipient");
}
