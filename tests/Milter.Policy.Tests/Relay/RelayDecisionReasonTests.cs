using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Relay;

/// <summary>Each client-side Relay_ok rule names itself in the verdict; literal names and odd addresses never open the relay.</summary>
public sealed class RelayDecisionReasonTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void EmptyRecipient_ReasonIsEmptyRecipient() =>
        TestPolicy.Engine("").Rcpt("127.0.0.1", "<>").Reason.Should().Be("empty recipient");

    [Test]
    public void OwnAddress_ReasonNamesClassW() =>
        TestPolicy.Engine("", new PolicyOptions { OwnAddresses = ["192.0.2.25"] }).Rcpt("192.0.2.25", "<x@elsewhere.example>").Reason
            .Should().Be("client address is one of ours ([addr] in class w)");

    [Test]
    public void LongestIPv6Client_IsFormattedAsAnOwnAddressLiteral()
    {
        const string address = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        TestPolicy.Engine("", new PolicyOptions { OwnAddresses = [address] }).Rcpt(address, "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
        TestPolicy.Engine("").Rcpt(address, "<x@elsewhere.example>").Reply!.Line.Should().Be(Denied);
    }

    [Test]
    public void ConnectRelayByAddress_ReasonNamesTheAddress() =>
        TestPolicy.Engine("Connect:192.0.2 RELAY").Rcpt("192.0.2.1", "<x@elsewhere.example>").Reason.Should().Be("Connect: RELAY on the client address");

    [Test]
    public void ResolveFailure_ReasonNamesClientResolve() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", name: "[192.0.2.1]", resolve: ClientResolve.Fail).Reason
            .Should().Be("relay attempt from a client whose name did not resolve ({client_resolve})");

    [Test]
    public void ClientNameInClassR_ReasonNamesClassR() =>
        TestPolicy.Engine("", relay: "partner.example\n").Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mx.partner.example").Reason
            .Should().Be("client name in class R");

    [Test]
    public void ClientNameInClassM_ReasonNamesClassM() =>
        TestPolicy.Engine("", new PolicyOptions { RelayEntireDomain = true, HostDomains = ["corp.example"] })
            .Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "ws7.corp.example").Reason.Should().Be("client name in a class m domain (relay_entire_domain)");

    [Test]
    public void ConnectRelayByName_ReasonNamesTheName() =>
        TestPolicy.Engine("Connect:partner.example RELAY").Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mx.partner.example").Reason
            .Should().Be("Connect: RELAY on the client name");

    [Test]
    public void LiteralClientName_IsNotWalkedAsAName()
    {
        // {client_name} is "[addr]" when the PTR lookup gave nothing; Relay_ok does not look that up as a host name.
        var verdict = TestPolicy.Engine("Connect:[192.0.2.1] RELAY").Rcpt("192.0.2.1", "<x@elsewhere.example>", name: "[192.0.2.1]", resolve: ClientResolve.Ok);
        verdict.Reply!.Line.Should().Be(Denied);
    }

    [TestCase("x@partner.example RELAY")]
    [TestCase("x@ RELAY")]
    public void RelayToFullAddress_UntaggedEntriesCount(string entry) =>
        TestPolicy.Engine(entry, new PolicyOptions { RelayToFullAddress = true }).Rcpt("192.0.2.1", "<x@partner.example>").Reason
            .Should().Be("To: RELAY for the recipient");

    [Test]
    public async Task CancelledLeaseCheck_IsCancellationNotAVerdict()
    {
        using var cts = new CancellationTokenSource();
        var session = TestPolicy.Engine("", leases: new CancellingLeaseStore()).Session("192.0.2.9");
        session.Connect();
        session.Mail("<a@b.example>");
        var pending = session.RcptAsync("<x@elsewhere.example>", cts.Token);
        await cts.CancelAsync();
        await FluentActions.Awaiting(async () => await pending).Should().ThrowAsync<OperationCanceledException>();
    }

    private sealed class CancellingLeaseStore : ILeaseStore
    {
        public async ValueTask<LeaseStatus> CheckAsync(System.Net.IPAddress client, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return LeaseStatus.Leased;
        }
    }
}
