using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Relay;

/// <summary>How the lease store's answer combines with the rest of Relay_ok: a store fault never opens the relay.</summary>
public sealed class RelayDecisionLeaseTests
{
    private const string TempFail = "451 4.3.0 Temporary system failure. Please try again later.";
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void NotLeased_StrangerIsDeniedWithTheRelayText()
    {
        var verdict = TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.NotLeased)).Rcpt("192.0.2.9", "<x@elsewhere.example>");
        verdict.Reply!.Line.Should().Be(Denied);
        verdict.Reason.Should().Be("relaying denied: no rule allows this client to relay");
        verdict.Trace!.Steps.Should().Contain(s => s.Map == "lease" && s.Key == "192.0.2.9" && s.Result == "NotLeased");
    }

    [Test]
    public void Leased_IsAcceptedBeforeAnyAccessWalk()
    {
        var verdict = TestPolicy.Engine("Connect:192.0.2.9 RELAY", leases: new FixedLeaseStore(LeaseStatus.Leased)).Rcpt("192.0.2.9", "<x@elsewhere.example>");
        verdict.Action.Should().Be(VerdictAction.Accept);
        verdict.Reason.Should().Be("client holds a valid lease (drac)");
        verdict.DecidedBy.Should().BeNull("the lease decided, not the Connect: entry");
    }

    [Test]
    public void StoreDown_ResolveFailure_IsTempFailNotTheResolveReply()
    {
        var verdict = TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.Unavailable))
            .Rcpt("192.0.2.9", "<x@elsewhere.example>", name: "[192.0.2.9]", resolve: ClientResolve.Forged);
        verdict.Action.Should().Be(VerdictAction.TempFail);
        verdict.Reply!.Line.Should().Be(TempFail);
        verdict.Reason.Should().Be("lease store unavailable");
    }

    [Test]
    public void StoreDown_ClientNameInClassW_StillRelays() =>
        TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.Unavailable))
            .Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "mail.example.net", resolve: ClientResolve.Ok)
            .Reason.Should().Be("client name in class w");

    [Test]
    public void StoreDown_NameRelaysNothing_IsTempFail()
    {
        var verdict = TestPolicy.Engine("", leases: new FixedLeaseStore(LeaseStatus.Unavailable))
            .Rcpt("198.18.0.1", "<x@elsewhere.example>", name: "h.stranger.example", resolve: ClientResolve.Ok);
        verdict.Action.Should().Be(VerdictAction.TempFail);
        verdict.Reason.Should().Be("lease store unavailable");
    }

    [Test]
    public async Task StoreThrows_IsTreatedAsUnavailable()
    {
        var session = TestPolicy.Engine("", leases: new ThrowingLeaseStore()).Session("192.0.2.9");
        session.Connect();
        session.Mail("<a@b.example>");
        var verdict = await session.RcptAsync("<x@elsewhere.example>");
        verdict.Action.Should().Be(VerdictAction.TempFail);
        verdict.Reply!.Line.Should().Be(TempFail);
    }

    [Test]
    public async Task AsyncNotLeased_IsDenied()
    {
        var session = TestPolicy.Engine("", leases: new DelayedLeaseStore(LeaseStatus.NotLeased)).Session("192.0.2.9");
        session.Connect();
        session.Mail("<a@b.example>");
        var verdict = await session.RcptAsync("<x@elsewhere.example>");
        verdict.Reply!.Line.Should().Be(Denied);
    }

    [Test]
    public void StoreNotConsulted_ForLocalClientOrClassRClient()
    {
        var store = new CountingLeaseStore();
        TestPolicy.Engine("", relay: "192.0.2\n", leases: store).Rcpt("192.0.2.9", "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
        TestPolicy.Engine("", leases: store).Rcpt("127.0.0.1", "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
        store.Calls.Should().Be(0);
    }

    [Test]
    public void ClientAddressInClassR_NamesTheMatchingEntry()
    {
        var verdict = TestPolicy.Engine("", relay: "192.0.2\n").Rcpt("192.0.2.9", "<x@elsewhere.example>");
        verdict.Reason.Should().Be("client address in class R");
        verdict.DecidedBy.Should().NotBeNull();
    }

    [Test]
    public void LocalClient_IsAcceptedAsLocallyOriginated()
    {
        var verdict = TestPolicy.Engine("").Rcpt("127.0.0.1", "<x@elsewhere.example>");
        verdict.Reason.Should().Be("client originated locally");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "client_addr");
    }

    private sealed class ThrowingLeaseStore : ILeaseStore
    {
        public async ValueTask<LeaseStatus> CheckAsync(System.Net.IPAddress client, CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("store broken");
        }
    }

    private sealed class DelayedLeaseStore(LeaseStatus status) : ILeaseStore
    {
        public async ValueTask<LeaseStatus> CheckAsync(System.Net.IPAddress client, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return status;
        }
    }

    private sealed class CountingLeaseStore : ILeaseStore
    {
        public int Calls { get; private set; }

        public ValueTask<LeaseStatus> CheckAsync(System.Net.IPAddress client, CancellationToken cancellationToken)
        {
            Calls++;
            return new(LeaseStatus.Leased);
        }
    }
}
