using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>Rcpt_ok / Relay_ok in Sendmail's order (proto.m4) and the relay options.</summary>
public sealed class PolicySessionRelayTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void Rcpt_StrangerToElsewhere_IsRelayDenied() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void Rcpt_NoTrustedMechanisms_UsesShortRelayText() =>
        TestPolicy.Engine("", new PolicyOptions { TrustedAuthMechanisms = [] }).Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line
            .Should().Be("550 5.7.1 Relaying denied");

    [TestCase("<x@example.net>")]
    [TestCase("<x@EXAMPLE.NET>")]
    [TestCase("<x@mail.example.net.>")]
    [TestCase("<x@localhost>")]
    [TestCase("<postmaster>")]
    public void Rcpt_LocalRecipient_IsAccepted(string rcpt) =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", rcpt).Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_SubdomainOfClassW_IsNotLocal() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@sub.example.net>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void Rcpt_HostNameOption_IsInClassW() =>
        TestPolicy.Engine("", new PolicyOptions { HostName = "mx1.example.com" }).Rcpt("192.0.2.1", "<x@mx1.example.com>").Action.Should().Be(VerdictAction.Accept);

    [TestCase("<x@relay.example>", true)]
    [TestCase("<x@a.b.relay.example>", true)]
    [TestCase("<x@notrelay.example>", false)]
    public void Rcpt_ClassR_MatchesDomainAndSubdomains(string rcpt, bool accepted) =>
        (TestPolicy.Engine("", relay: "relay.example\n").Rcpt("192.0.2.1", rcpt).Action == VerdictAction.Accept).Should().Be(accepted);

    [TestCase("<x@relay.example>", true)]
    [TestCase("<x@a.relay.example>", false)]
    public void Rcpt_ClassRWithHostsOnly_IsExact(string rcpt, bool accepted) =>
        (TestPolicy.Engine("", new PolicyOptions { RelayHostsOnly = true }, relay: "relay.example\n").Rcpt("192.0.2.1", rcpt).Action == VerdictAction.Accept)
            .Should().Be(accepted);

    [TestCase("To:partner.example RELAY", "<x@mx.partner.example>", true)]
    [TestCase("partner.example RELAY", "<x@partner.example>", true)]
    [TestCase("To:partner.example OK", "<x@partner.example>", false)]
    [TestCase("To:partner.example REJECT", "<x@partner.example>", false)]
    [TestCase("To:x@partner.example RELAY", "<x@partner.example>", false)]
    public void Rcpt_ToRelay_OnlyRelayCounts(string entry, string rcpt, bool accepted) =>
        (TestPolicy.Engine(entry).Rcpt("192.0.2.1", rcpt).Action == VerdictAction.Accept).Should().Be(accepted);

    [Test]
    public void Rcpt_ToRelayWithHostsOnly_IsExact()
    {
        var engine = TestPolicy.Engine("To:partner.example RELAY", new PolicyOptions { RelayHostsOnly = true });
        engine.Rcpt("192.0.2.1", "<x@partner.example>").Action.Should().Be(VerdictAction.Accept);
        engine.Rcpt("192.0.2.1", "<x@mx.partner.example>").Action.Should().Be(VerdictAction.Reject);
    }

    [TestCase("To:x@partner.example RELAY")]
    [TestCase("To:x@ RELAY")]
    public void Rcpt_RelayToFullAddress_MatchesAddressForms(string entry) =>
        TestPolicy.Engine(entry, new PolicyOptions { RelayToFullAddress = true }).Rcpt("192.0.2.1", "<x@partner.example>").Action.Should().Be(VerdictAction.Accept);

    [TestCase("PLAIN", true)]
    [TestCase("login", true)]
    [TestCase("CRAM-MD5", true)]
    [TestCase("DIGEST-MD5", true)]
    [TestCase("ANONYMOUS", false)]
    [TestCase("EXTERNAL", false)]
    public void Rcpt_TrustedAuthMechanism_Relays(string mechanism, bool accepted) =>
        (TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts(mechanism, "alice")).Action == VerdictAction.Accept)
            .Should().Be(accepted);

    [Test]
    public void Rcpt_TrustedMechanisms_AreConfigurable() =>
        TestPolicy.Engine("", new PolicyOptions { TrustedAuthMechanisms = ["EXTERNAL"] })
            .Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("PLAIN", "alice")).Action.Should().Be(VerdictAction.Reject);

    [TestCase("127.0.0.1", true)]
    [TestCase("::1", true)]
    [TestCase("IPv6:0:0:0:0:0:0:0:1", true)]
    [TestCase("", true)]
    [TestCase("127.0.0.2", false)]
    public void Rcpt_LocalClient_Relays(string address, bool accepted) =>
        (TestPolicy.Engine("").Rcpt(address, "<x@elsewhere.example>").Action == VerdictAction.Accept).Should().Be(accepted);

    [TestCase("192.0.2", "192.0.2.77", true)]
    [TestCase("192.0.2", "192.0.20.1", false)]
    [TestCase("IPv6:2001:db8:5", "2001:db8:5::9", true)]
    [TestCase("IPv6:2001:db8:5", "2001:db8:6::9", false)]
    public void Rcpt_ClientAddressInClassR_Relays(string member, string address, bool accepted) =>
        (TestPolicy.Engine("", relay: member + "\n").Rcpt(address, "<x@elsewhere.example>").Action == VerdictAction.Accept).Should().Be(accepted);

    [TestCase("Connect:192.0.2.1 RELAY", true)]
    [TestCase("Connect:192.0.2 RELAY", true)]
    [TestCase("Connect:192.0.2.0/24 RELAY", true)]
    [TestCase("192.0.2 RELAY", true)]
    [TestCase("Connect:192.0.2.1 OK", false)]
    [TestCase("Connect:192.0.2.1 SKIP\nConnect:192.0.2 RELAY", false)]
    public void Rcpt_ConnectRelayByAddress_Relays(string access, bool accepted) =>
        (TestPolicy.Engine(access).Rcpt("192.0.2.1", "<x@elsewhere.example>").Action == VerdictAction.Accept).Should().Be(accepted);

    [Test]
    public void Rcpt_ConnectRejectByAddressAtRelayTime_DoesNotRelay()
    {
        // Connect: REJECT refuses at connect already; at relay time only RELAY counts.
        var engine = TestPolicy.Engine("Connect:192.0.2 RELAY\nConnect:192.0.2.1 REJECT");
        engine.Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be("550 5.7.1 Access denied");
    }

    [TestCase("192.0.2.25", true)]
    [TestCase("2001:db8::25", true)]
    [TestCase("192.0.2.26", false)]
    public void Rcpt_OwnAddress_Relays(string address, bool accepted) =>
        (TestPolicy.Engine("", new PolicyOptions { OwnAddresses = ["192.0.2.25", "2001:db8::25"] }).Rcpt(address, "<x@elsewhere.example>").Action == VerdictAction.Accept)
            .Should().Be(accepted);

    [Test]
    public void Rcpt_OwnAddressFromLocalHostNamesLiteral_Relays() =>
        TestPolicy.Engine("", local: "[192.0.2.25]\n").Rcpt("192.0.2.25", "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);

    [TestCase("Connect:partner.example RELAY", "mx.partner.example", true)]
    [TestCase("Connect:mx.partner.example RELAY", "mx.partner.example", true)]
    [TestCase("Connect:partner.example OK", "mx.partner.example", false)]
    public void Rcpt_ConnectRelayByName_Relays(string access, string name, bool accepted) =>
        (TestPolicy.Engine(access).Rcpt("198.18.0.1", "<x@elsewhere.example>", name: name, resolve: ClientResolve.Ok).Action == VerdictAction.Accept)
            .Should().Be(accepted);

    [Test]
    public void Rcpt_ConnectRelayByNameWithHostsOnly_IsExact() =>
        TestPolicy.Engine("Connect:partner.example RELAY", new PolicyOptions { RelayHostsOnly = true })
            .Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mx.partner.example").Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void Rcpt_ClientNameInClassR_Relays() =>
        TestPolicy.Engine("", relay: "partner.example\n").Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mx.partner.example").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_ClientNameInClassW_Relays() =>
        TestPolicy.Engine("").Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mail.example.net").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_RelayEntireDomain_ClientAndRecipientInClassM()
    {
        var options = new PolicyOptions { RelayEntireDomain = true, HostName = "mx.corp.example" };
        var engine = TestPolicy.Engine("", options);
        engine.Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "ws7.corp.example").Action.Should().Be(VerdictAction.Accept);
        engine.Rcpt("192.0.2.1", "<x@sales.corp.example>").Action.Should().Be(VerdictAction.Accept);
        TestPolicy.Engine("", new PolicyOptions { HostName = "mx.corp.example" }).Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "ws7.corp.example")
            .Action.Should().Be(VerdictAction.Reject);
    }

    [Test]
    public void Rcpt_RelayEntireDomain_ExplicitHostDomains() =>
        TestPolicy.Engine("", new PolicyOptions { RelayEntireDomain = true, HostDomains = ["corp.example"] })
            .Rcpt("192.0.2.1", "<x@a.corp.example>").Action.Should().Be(VerdictAction.Accept);

    [TestCase(ClientResolve.Temp, "450 4.4.0 Relaying temporarily denied. Cannot resolve PTR record for 192.0.2.1")]
    [TestCase(ClientResolve.Forged, "550 5.7.1 Relaying denied. IP name possibly forged [192.0.2.1]")]
    [TestCase(ClientResolve.Fail, "550 5.7.1 Relaying denied. IP name lookup failed [192.0.2.1]")]
    public void Rcpt_ClientResolveFailure_GivesResolveReply(ClientResolve resolve, string reply) =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", name: "[192.0.2.1]", resolve: resolve).Reply!.Line.Should().Be(reply);

    [Test]
    public void Rcpt_ClientResolveFailure_IPv6AddressInSendmailForm() =>
        TestPolicy.Engine("").Rcpt("2001:db8::7", "<x@elsewhere.example>", resolve: ClientResolve.Temp).Reply!.Text
            .Should().EndWith("for IPv6:2001:db8:0:0:0:0:0:7");

    [Test]
    public void Rcpt_ClientResolveFailure_StillAllowsLocalRecipients() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@example.net>", name: "[192.0.2.1]", resolve: ClientResolve.Fail).Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_ForgedName_IsNotUsedForRelay() =>
        TestPolicy.Engine("Connect:partner.example RELAY").Rcpt("192.0.2.1", "<x@elsewhere.example>", name: "mx.partner.example", resolve: ClientResolve.Forged)
            .Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void Rcpt_LiteralNameWithoutResolveMacro_SkipsNameChecks() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", name: "[192.0.2.1]").Reply!.Line.Should().Be(Denied);

    [TestCase("<victim%elsewhere.example@example.net>")]
    [TestCase("<elsewhere.example!victim@example.net>")]
    [TestCase("<victim%elsewhere.example@relay.example>")]
    public void Rcpt_PercentHack_IsRecheckedAndDenied(string rcpt) =>
        TestPolicy.Engine("", relay: "relay.example\n").Rcpt("192.0.2.1", rcpt).Reply!.Line.Should().Be(Denied);

    [Test]
    public void Rcpt_PercentHackToLocal_IsAccepted() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<user%mail.example.net@example.net>").Action.Should().Be(VerdictAction.Accept);

    /// <summary>CanonAddr (Parse0) unwraps a class w domain's <c>user%host</c> whatever loose_relay_check says (checked with sendmail -bt).</summary>
    [Test]
    public void Rcpt_PercentHackToLocalDomainWithLooseRelayCheck_IsStillRechecked() =>
        TestPolicy.Engine("", new PolicyOptions { LooseRelayCheck = true }).Rcpt("192.0.2.1", "<victim%elsewhere.example@example.net>").Reply!.Line.Should().Be(Denied);

    /// <summary>loose_relay_check only stops ParseRecipient's unwrapping for class R domains.</summary>
    [Test]
    public void Rcpt_PercentHackToRelayDomainWithLooseRelayCheck_RelaysToTheDomain() =>
        TestPolicy.Engine("", new PolicyOptions { LooseRelayCheck = true }, relay: "relay.example\n").Rcpt("192.0.2.1", "<victim%elsewhere.example@relay.example>")
            .Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_LeaseHolder_Relays()
    {
        var store = new InMemoryLeaseStore();
        store.Add(System.Net.IPAddress.Parse("192.0.2.9"), "test", "bob");
        TestPolicy.Engine("", leases: store).Rcpt("::ffff:192.0.2.9", "<x@elsewhere.example>").Reason.Should().Be("client holds a valid lease (drac)");
    }

    [Test]
    public void Rcpt_LeaseStoreDown_IsTempFailure() =>
        TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.Unavailable)).Rcpt("192.0.2.9", "<x@elsewhere.example>").Reply!.Line
            .Should().Be("451 4.3.0 Temporary system failure. Please try again later.");

    [Test]
    public void Rcpt_LeaseStoreDownButConnectRelay_Relays() =>
        TestPolicy.Engine("Connect:192.0.2.9 RELAY", leases: new FixedLeaseStore(LeaseStatus.Unavailable)).Rcpt("192.0.2.9", "<x@elsewhere.example>")
            .Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void Rcpt_LeaseStoreNotConsultedForLocalRecipients()
    {
        var verdict = TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.Unavailable)).Rcpt("192.0.2.9", "<x@example.net>");
        verdict.Action.Should().Be(VerdictAction.Accept);
        verdict.Trace!.Steps.Should().NotContain(s => s.Map == "lease");
    }

    [Test]
    public async Task Rcpt_AsyncLeaseStore_IsAwaited()
    {
        var store = new GatedLeaseStore();
        var session = TestPolicy.Engine("", leases: store).Session("192.0.2.9");
        session.Mail("<a@b.example>");
        var pending = session.RcptAsync("<x@elsewhere.example>");
        pending.IsCompleted.Should().BeFalse("the store has not answered yet");
        store.Answer(LeaseStatus.Leased);
        (await pending).Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void Rcpt_TraceListsRelayStepsInSendmailOrder()
    {
        var verdict = TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.NotLeased)).Rcpt("192.0.2.1", "<x@far.example>", name: "h.client.example", resolve: ClientResolve.Ok);
        var maps = verdict.Trace!.Steps.Select(s => s.Map).Distinct().ToList();
        maps.Should().Equal("class w", "class R", "access", "lease");
        verdict.Trace.Steps[^1].Key.Should().Be("example", "the Connect: name walk ends at the TLD, bare");
    }

    /// <summary>A store that answers only when the test says so (no timing involved).</summary>
    private sealed class GatedLeaseStore : ILeaseStore
    {
        private readonly TaskCompletionSource<LeaseStatus> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Answer(LeaseStatus status) => _answer.SetResult(status);

        public ValueTask<LeaseStatus> CheckAsync(System.Net.IPAddress client, CancellationToken cancellationToken) => new(_answer.Task.WaitAsync(cancellationToken));
    }
}
