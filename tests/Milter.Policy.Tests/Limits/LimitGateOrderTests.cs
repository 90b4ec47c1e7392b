using System.Net;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using static Milter.Policy.Tests.Limits.LimitTesting;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// Which limit a refused MAIL or RCPT is charged to: the narrowest key that is over its limit (user, sender, client,
/// network, server), and an exemption applies only for the reasons the limit names.
/// </summary>
public sealed class LimitGateOrderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<LimitHit> _hits = [];

    private static readonly AuthFacts Alice = new("PLAIN", "alice");

    private sealed class FixedLeases(LeaseStatus status) : ILeaseStore
    {
        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => new(status);
    }

    /// <summary>A store that answers later, when the test says so (as a shared store over the network does).</summary>
    private sealed class LaterStore : IRateLimitStore, IValueTaskSource<RateDecision>
    {
        private ManualResetValueTaskSourceCore<RateDecision> _core;

        public ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken)
        {
            _core.Reset();
            return new ValueTask<RateDecision>(this, _core.Version);
        }

        public void Answer(RateDecision decision) => _core.SetResult(decision);

        public RateDecision GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    private LimitEngine Limits(FloodLimits limits, IRateLimitStore? store = null) =>
        new(limits, store ?? new MemoryRateLimitStore(_time), new Hits(_hits), time: _time);

    private static LimitGate Open(LimitEngine limits, string ip, ILeaseStore? leases = null, string access = "") =>
        limits.Open(TestPolicy.Engine(access, leases: leases).OpenSession(new ClientFacts(ip)));

    private static FloodLimits MessageRates(bool user, bool sender, bool client, bool network) => new()
    {
        UserMessageRate = user ? Rate("UserMessageRate", LimitScope.User, 1) : null,
        SenderMessageRate = sender ? Rate("SenderMessageRate", LimitScope.Sender, 1) : null,
        ClientMessageRate = client ? Rate("ClientMessageRate", LimitScope.Client, 1) : null,
        NetworkMessageRate = network ? Rate("NetworkMessageRate", LimitScope.Network, 1) : null,
        ServerMessageRate = Rate("ServerMessageRate", LimitScope.Server, 1),
    };

    private static FloodLimits RecipientRates(bool user, bool sender, bool client, bool network) => new()
    {
        UserRecipientRate = user ? Rate("UserRecipientRate", LimitScope.User, 1) : null,
        SenderRecipientRate = sender ? Rate("SenderRecipientRate", LimitScope.Sender, 1) : null,
        ClientRecipientRate = client ? Rate("ClientRecipientRate", LimitScope.Client, 1) : null,
        NetworkRecipientRate = network ? Rate("NetworkRecipientRate", LimitScope.Network, 1) : null,
        ServerRecipientRate = Rate("ServerRecipientRate", LimitScope.Server, 1),
        MailBomb = Rate("MailBomb", LimitScope.SenderRecipient, 100),
    };

    [TestCase(true, true, true, true, "UserMessageRate")]
    [TestCase(false, true, true, true, "SenderMessageRate")]
    [TestCase(false, false, true, true, "ClientMessageRate")]
    [TestCase(false, false, false, true, "NetworkMessageRate")]
    [TestCase(false, false, false, false, "ServerMessageRate")]
    public void Mail_EveryBucketFull_IsChargedToTheNarrowestKey(bool user, bool sender, bool client, bool network, string charged)
    {
        var limits = Limits(MessageRates(user, sender, client, network));
        var gate = Open(limits, "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", Alice)).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>", Alice))!.Line.Should().StartWith("451 4.7.1");
        _hits.Should().ContainSingle().Which.Limit.Should().Be(charged);
    }

    [TestCase(true, true, true, true, "UserRecipientRate")]
    [TestCase(false, true, true, true, "SenderRecipientRate")]
    [TestCase(false, false, true, true, "ClientRecipientRate")]
    [TestCase(false, false, false, true, "NetworkRecipientRate")]
    [TestCase(false, false, false, false, "ServerRecipientRate")]
    public void Rcpt_EveryBucketFull_IsChargedToTheNarrowestKey(bool user, bool sender, bool client, bool network, string charged)
    {
        var limits = Limits(RecipientRates(user, sender, client, network));
        var gate = Open(limits, "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", Alice)).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>"))!.Line.Should().StartWith("451 4.7.1");
        _hits.Should().ContainSingle().Which.Limit.Should().Be(charged);
    }

    [Test]
    public void Rcpt_RefusedByARecipientRate_IsNotChargedToTheMailBomb()
    {
        var limits = Limits(new FloodLimits
        {
            ClientRecipientRate = Rate("ClientRecipientRate", LimitScope.Client, 1),
            MailBomb = Rate("MailBomb", LimitScope.SenderRecipient, 1),
        });
        var gate = Open(limits, "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r@y.example>")).Should().NotBeNull();
        _hits.Should().ContainSingle().Which.Limit.Should().Be("ClientRecipientRate");
    }

    [Test]
    public void ExemptForConnectOkOnly_DoesNotExemptAnAuthenticatedSession()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.ConnectOk) });
        var gate = Open(limits, "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", Alice)).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>", Alice)).Should().NotBeNull("authentication is not among the limit's exemptions");
    }

    [Test]
    public void ExemptForAuthenticatedOnly_DoesNotExemptALeasedClient()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Authenticated) });
        var gate = Open(limits, "192.0.2.1", new FixedLeases(LeaseStatus.Leased));
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull("a lease is not among the limit's exemptions");
    }

    [Test]
    public void ExemptForLeased_ExemptsALeasedClient()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Leased) });
        var gate = Open(limits, "192.0.2.1", new FixedLeases(LeaseStatus.Leased));
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        }
    }

    [Test]
    public async Task Mail_WithAStoreThatAnswersLater_WaitsForItsAnswer()
    {
        var store = new LaterStore();
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1) }, store);
        var gate = Open(limits, "192.0.2.1");
        var pending = gate.MailAsync("<a@x.example>");
        pending.IsCompleted.Should().BeFalse("the store has not answered yet");
        store.Answer(new RateDecision(false, 1, TimeSpan.FromSeconds(60)));
        (await pending)!.Line.Should().StartWith("451 4.7.1");
        _hits.Should().ContainSingle().Which.Should().Match<LimitHit>(h => h.Limit == "ClientMessageRate" && h.Count == 2 && h.Max == 1);
    }
}
