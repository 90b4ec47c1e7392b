using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using static Milter.Policy.Tests.Limits.LimitTesting;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// The limits of a session at their edges: what Register counts, each rate of the RCPT chain, a store that cannot
/// answer, exemptions that are asked once, refusals that count nothing, and what a hit reports.
/// </summary>
public sealed class LimitGateEdgeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<LimitHit> _hits = [];

    private sealed class DownStore(bool allowed) : IRateLimitStore
    {
        public ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken) =>
            new(RateDecision.StoreDown(allowed));
    }

    /// <summary>Lets everything through and keeps the key each limit was asked for.</summary>
    private sealed class KeyRecorder : IRateLimitStore
    {
        public List<(string Limit, LimitKey Key)> Asked { get; } = [];

        public ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken)
        {
            Asked.Add((limit.Name, key));
            return new(new RateDecision(true, 0, TimeSpan.Zero));
        }
    }

    private sealed class CountingLeases(LeaseStatus status, bool fail = false) : ILeaseStore
    {
        public int Calls { get; private set; }

        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken)
        {
            Calls++;
            return fail ? throw new InvalidOperationException("lease store broken") : new ValueTask<LeaseStatus>(status);
        }
    }

    private LimitEngine Limits(FloodLimits limits, IRateLimitStore? store = null) =>
        new(limits, store ?? new MemoryRateLimitStore(_time), new Hits(_hits), time: _time);

    private static (PolicySession Session, LimitGate Gate) Open(LimitEngine limits, PolicyEngine policy, string ip)
    {
        var session = policy.OpenSession(new ClientFacts(ip));
        return (session, limits.Open(session));
    }

    /// <summary>Every message and recipient rate, none of them reached; IPv6 networks are /48.</summary>
    private static FloodLimits EveryRate() => new()
    {
        UserMessageRate = Rate("UserMessageRate", LimitScope.User, 9),
        SenderMessageRate = Rate("SenderMessageRate", LimitScope.Sender, 9),
        ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 9),
        NetworkMessageRate = Rate("NetworkMessageRate", LimitScope.Network, 9),
        ServerMessageRate = Rate("ServerMessageRate", LimitScope.Server, 9),
        UserRecipientRate = Rate("UserRecipientRate", LimitScope.User, 9),
        SenderRecipientRate = Rate("SenderRecipientRate", LimitScope.Sender, 9),
        ClientRecipientRate = Rate("ClientRecipientRate", LimitScope.Client, 9),
        NetworkRecipientRate = Rate("NetworkRecipientRate", LimitScope.Network, 9),
        ServerRecipientRate = Rate("ServerRecipientRate", LimitScope.Server, 9),
        NetworkPrefixV6 = 48,
    };

    private static LimitKey Key(string ip) => LimitKey.ForClient(new ClientFacts(ip).Address)!.Value;

    [Test]
    public void Register_CountsTheConnectionOnce_AndCloseGivesItBack()
    {
        var limits = Limits(new FloodLimits());
        var (session, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        gate.Register();
        gate.Register();
        session.Counts.Should().Be(new ClientCounts(1, 1, limits.Limits));
        limits.OpenConnections.Open(Key("192.0.2.1")).Should().Be(1, "a second Register counts nothing");
        var (second, _) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        limits.Open(second).Register();
        second.Counts.Should().Be(new ClientCounts(2, 2, limits.Limits));
        gate.Close();
        limits.OpenConnections.Open(Key("192.0.2.1")).Should().Be(1);
        gate.Close();
        limits.OpenConnections.Open(Key("192.0.2.1")).Should().Be(1, "closed twice, given back once");
    }

    [Test]
    public void EachRate_CountsInTheKeyOfItsScope_AtMailAndAgainAtEveryRcpt()
    {
        var store = new KeyRecorder();
        var limits = Limits(EveryRate(), store);
        var address = new ClientFacts("2001:db8:1:2::7").Address;
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "2001:db8:1:2::7");
        Sync(gate.MailAsync("<Jo+News@Example.ORG.>", new AuthFacts("PLAIN", "Alice"))).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull();
        LimitKey[] keys = [LimitKey.ForUser("Alice")!.Value, LimitKey.ForSender("<Jo+News@Example.ORG.>")!.Value,
            LimitKey.ForClient(address)!.Value, LimitKey.ForNetwork(address, 24, 48)!.Value, LimitKey.Server];
        store.Asked.Select(a => a.Key).Should().Equal([.. keys, .. keys, .. keys]);
        store.Asked.Select(a => a.Key.Text).Should().Equal(
            Enumerable.Repeat<string[]>(["alice", "jo@example.org", "IPv6:2001:db8:1:2:0:0:0:7", "IPv6:2001:db8:1:0:0:0:0:0/48", "*"], 3).SelectMany(k => k));
    }

    [Test]
    public void NullSender_Unauthenticated_IsCountedByClientNetworkAndServerOnly()
    {
        var store = new KeyRecorder();
        var limits = Limits(EveryRate(), store);
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.MailAsync("<>", new AuthFacts(null, "alice"))).Should().BeNull();
        store.Asked.Skip(5).Select(a => a.Limit).Should().Equal("ClientMessageRate", "NetworkMessageRate", "ServerMessageRate");
    }

    [Test]
    public void Register_WithoutAccessEntries_CountsNothing()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false });
        var (session, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        gate.Register();
        session.Counts.Should().BeNull();
        limits.OpenConnections.Clients.Should().Be(0);
    }

    [Test]
    public void Register_LocalClient_CountsNothing()
    {
        var limits = Limits(new FloodLimits());
        var (session, gate) = Open(limits, TestPolicy.Engine(""), "");
        gate.Register();
        session.Counts.Should().BeNull();
        limits.OpenConnections.Clients.Should().Be(0);
    }

    [Test]
    public void Register_AfterClose_GivesTheCountBackAtOnce()
    {
        var limits = Limits(new FloodLimits());
        var (session, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        gate.Close();
        gate.Register();
        session.Counts!.Connections.Should().Be(1);
        limits.OpenConnections.Open(Key("192.0.2.1")).Should().Be(0, "the session had already ended");
    }

    [Test]
    public void Connect_AfterClose_GivesTheSlotBackAtOnce()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        gate.Close();
        Sync(gate.ConnectAsync()).Should().BeNull();
        gate.HoldsConnectionSlot.Should().BeFalse();
        limits.Connections.Open(Key("192.0.2.1")).Should().Be(0);
    }

    [Test]
    public void Connect_WithinTheCap_HoldsASlot()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.ConnectAsync()).Should().BeNull();
        gate.HoldsConnectionSlot.Should().BeTrue();
        limits.Connections.Open(Key("192.0.2.1")).Should().Be(1);
    }

    [Test]
    public void Connect_CapInAuditMode_KeepsTheSlotItLetsThrough_AndReportsTheHit()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1, Audit: true) });
        var policy = TestPolicy.Engine("");
        Sync(Open(limits, policy, "192.0.2.1").Gate.ConnectAsync()).Should().BeNull();
        var (_, second) = Open(limits, policy, "192.0.2.1");
        Sync(second.ConnectAsync()).Should().BeNull();
        second.HoldsConnectionSlot.Should().BeTrue();
        _hits.Should().Equal(new LimitHit("ClientConnections", PolicyStage.Connect, "192.0.2.1", 2, 1, TimeSpan.Zero, true, "192.0.2.1"));
    }

    [Test]
    public void Connect_CapExemptForConnectOk_DoesNotCountTheTrustedClient()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1, Exempt: LimitExemptions.ConnectOk) });
        var policy = TestPolicy.Engine("Connect:192.0.2.9 OK");
        for (var i = 0; i < 3; i++)
        {
            var (_, gate) = Open(limits, policy, "192.0.2.9");
            Sync(gate.ConnectAsync()).Should().BeNull();
            gate.HoldsConnectionSlot.Should().BeFalse();
        }

        limits.Connections.Clients.Should().Be(0);
    }

    [Test]
    public void Connect_ClientConnEntryWithALimit_ReplacesTheConfiguredCap()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1) });
        var policy = TestPolicy.Engine("ClientConn:192.0.2.7\t5\n");
        for (var i = 0; i < 3; i++)
        {
            Sync(Open(limits, policy, "192.0.2.7").Gate.ConnectAsync()).Should().BeNull("ratecontrol/conncontrol decide for this client, not the cap");
        }
    }

    [Test]
    public void Connect_WithoutAccessEntries_ClientConnEntryIsIgnored()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) });
        var policy = TestPolicy.Engine("ClientConn:192.0.2.7\t0\n");
        Sync(Open(limits, policy, "192.0.2.7").Gate.ConnectAsync()).Should().BeNull();
        Sync(Open(limits, policy, "192.0.2.7").Gate.ConnectAsync()).Should().NotBeNull();
    }

    [Test]
    public void Connect_ClientRateEntryWithoutAConfiguredRate_ChangesNothing()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 1) });
        var policy = TestPolicy.Engine("ClientRate:192.0.2.7\t0\n");
        Sync(Open(limits, policy, "192.0.2.7").Gate.ConnectAsync()).Should().BeNull();
        Sync(Open(limits, policy, "192.0.2.7").Gate.ConnectAsync()).Should().NotBeNull("a ClientRate: entry does not lift the open-connection cap");
    }

    [TestCase(false, "451 4.3.0 Temporary system failure. Please try again later.")]
    [TestCase(true, null)]
    public void StoreDown_AnswersItsFailureMode_AndReportsNoHit(bool allowed, string? line)
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1) }, new DownStore(allowed));
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>"))?.Line.Should().Be(line);
        (Sync(gate.MailAsync("<a@x.example>")) is null).Should().Be(allowed);
        _hits.Should().BeEmpty();
    }

    [TestCase(nameof(FloodLimits.UserRecipientRate))]
    [TestCase(nameof(FloodLimits.SenderRecipientRate))]
    [TestCase(nameof(FloodLimits.ClientRecipientRate))]
    [TestCase(nameof(FloodLimits.NetworkRecipientRate))]
    [TestCase(nameof(FloodLimits.ServerRecipientRate))]
    public void Rcpt_EachRecipientRate_Refuses_WithItsNameAndKey(string name)
    {
        var (scope, key) = name switch
        {
            nameof(FloodLimits.UserRecipientRate) => (LimitScope.User, "alice"),
            nameof(FloodLimits.SenderRecipientRate) => (LimitScope.Sender, "a@x.example"),
            nameof(FloodLimits.ClientRecipientRate) => (LimitScope.Client, "192.0.2.1"),
            nameof(FloodLimits.NetworkRecipientRate) => (LimitScope.Network, "192.0.2.0/24"),
            _ => (LimitScope.Server, LimitKey.Server.Text),
        };
        var rate = Rate(name, scope, 2);
        var limits = Limits(name switch
        {
            nameof(FloodLimits.UserRecipientRate) => new FloodLimits { UserRecipientRate = rate },
            nameof(FloodLimits.SenderRecipientRate) => new FloodLimits { SenderRecipientRate = rate },
            nameof(FloodLimits.ClientRecipientRate) => new FloodLimits { ClientRecipientRate = rate },
            nameof(FloodLimits.NetworkRecipientRate) => new FloodLimits { NetworkRecipientRate = rate },
            _ => new FloodLimits { ServerRecipientRate = rate },
        });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r3@y.example>"))!.Line.Should().Be("451 4.7.1 Rate limit exceeded, try again later");
        _hits.Should().Equal(new LimitHit(name, PolicyStage.Rcpt, key, 3, 2, TimeSpan.FromMinutes(1), false, "192.0.2.1"));
    }

    [TestCase(nameof(FloodLimits.UserMessageRate))]
    [TestCase(nameof(FloodLimits.SenderMessageRate))]
    [TestCase(nameof(FloodLimits.ClientMessageRate))]
    [TestCase(nameof(FloodLimits.NetworkMessageRate))]
    [TestCase(nameof(FloodLimits.ServerMessageRate))]
    public void Mail_EachMessageRate_Refuses(string name)
    {
        var limits = Limits(name switch
        {
            nameof(FloodLimits.UserMessageRate) => new FloodLimits { UserMessageRate = Rate(name, LimitScope.User, 1) },
            nameof(FloodLimits.SenderMessageRate) => new FloodLimits { SenderMessageRate = Rate(name, LimitScope.Sender, 1) },
            nameof(FloodLimits.ClientMessageRate) => new FloodLimits { ClientMessageRate = Rate(name, LimitScope.Client, 1) },
            nameof(FloodLimits.NetworkMessageRate) => new FloodLimits { NetworkMessageRate = Rate(name, LimitScope.Network, 1) },
            _ => new FloodLimits { ServerMessageRate = Rate(name, LimitScope.Server, 1) },
        });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        var auth = new AuthFacts("PLAIN", "alice");
        Sync(gate.MailAsync("<a@x.example>", auth)).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>", auth)).Should().NotBeNull();
        _hits.Single().Limit.Should().Be(name);
    }

    [Test]
    public void Mail_Unauthenticated_HasNoUserBucket()
    {
        var limits = Limits(new FloodLimits { UserMessageRate = Rate("UserMessageRate", LimitScope.User, 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.MailAsync("<a@x.example>", new AuthFacts(null, "alice"))).Should().BeNull();
        }
    }

    [Test]
    public void Rcpt_RefusedByARate_DoesNotCountTowardsRecipientsPerMessage()
    {
        var limits = Limits(new FloodLimits
        {
            RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 2),
            MailBomb = Rate("MailBomb", LimitScope.SenderRecipient, 1),
        });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>"))!.Line.Should().StartWith("451 ");
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull("one recipient was refused, so this is the second");
        Sync(gate.RcptAsync("<r3@y.example>"))!.Line.Should().Be("452 4.5.3 Too many recipients");
    }

    [Test]
    public void Rcpt_RefusedByTheCap_IsNotCounted_SoEachRefusalReportsTheSameCount()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().NotBeNull();
        Sync(gate.RcptAsync("<r3@y.example>")).Should().NotBeNull();
        _hits.Should().Equal(
            new LimitHit("RecipientsPerMessage", PolicyStage.Rcpt, "a@x.example", 2, 1, TimeSpan.Zero, false, "192.0.2.1"),
            new LimitHit("RecipientsPerMessage", PolicyStage.Rcpt, "a@x.example", 2, 1, TimeSpan.Zero, false, "192.0.2.1"));
    }

    [Test]
    public void Rcpt_CapWithoutSender_ReportsTheClient()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().NotBeNull();
        _hits.Single().Key.Should().Be("192.0.2.1");
    }

    [Test]
    public void Rcpt_CapWithoutSenderOrClientAddress_ReportsTheServerKey_AndNoClient()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "");
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().NotBeNull();
        _hits.Single().Should().Match<LimitHit>(h => h.Key == LimitKey.Server.Text && h.Client == "");
    }

    [Test]
    public void Rcpt_CapInAuditMode_LetsEveryRecipientThrough_AndReportsTheRunningCount()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1, Audit: true) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.RcptAsync($"<r{i}@y.example>")).Should().BeNull();
        }

        _hits.Select(h => (h.Count, h.Audit)).Should().Equal((2, true), (3, true));
    }

    [Test]
    public void Rcpt_CapExemptForAuthenticated_DoesNotApplyAfterAuth()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1, Exempt: LimitExemptions.Authenticated) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().NotBeNull("without AUTH the cap applies");
    }

    [Test]
    public void Mail_StartsTheRecipientCountAgain()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
    }

    [Test]
    public void Rate_InAuditMode_ReportsTheCountTheBurstAndThePeriod()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = new RateLimit("ClientMessageRate", LimitScope.Client, 2, TimeSpan.FromMinutes(5), audit: true) });
        var (_, gate) = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        }

        _hits.Should().Equal(new LimitHit("ClientMessageRate", PolicyStage.Mail, "192.0.2.1", 3, 2, TimeSpan.FromMinutes(5), true, "192.0.2.1"));
    }

    [Test]
    public void Leased_IsAskedOnce_PerSession()
    {
        var leases = new CountingLeases(LeaseStatus.Leased);
        var limits = Limits(new FloodLimits
        {
            ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Leased),
            ClientRecipientRate = Rate("ClientRecipientRate", LimitScope.Client, 1, LimitExemptions.Leased),
        });
        var (_, gate) = Open(limits, TestPolicy.Engine("", leases: leases), "192.0.2.1");
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
            Sync(gate.RcptAsync("<r@y.example>")).Should().BeNull();
        }

        leases.Calls.Should().Be(1);
    }

    [Test]
    public void NotLeased_IsAskedOnce_AndExemptsNobody()
    {
        var leases = new CountingLeases(LeaseStatus.NotLeased);
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Leased) });
        var (_, gate) = Open(limits, TestPolicy.Engine("", leases: leases), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull();
        leases.Calls.Should().Be(1);
    }

    [TestCase(LeaseStatus.Unavailable, false)]
    [TestCase(LeaseStatus.NotLeased, true)]
    public void LeaseStoreThatCannotAnswer_ExemptsNobody(LeaseStatus status, bool fail)
    {
        var leases = new CountingLeases(status, fail);
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Leased) });
        var (_, gate) = Open(limits, TestPolicy.Engine("", leases: leases), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull();
    }

    [Test]
    public void ExemptForConnectOk_OtherClients_AreLimited()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.ConnectOk) });
        var policy = TestPolicy.Engine("Connect:192.0.2.9 OK\nConnect:192.0.2.8 REJECT");
        var (_, trusted) = Open(limits, policy, "192.0.2.9");
        var (_, other) = Open(limits, policy, "192.0.2.8");
        for (var i = 0; i < 3; i++)
        {
            Sync(trusted.MailAsync("<a@x.example>")).Should().BeNull();
        }

        Sync(other.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(other.MailAsync("<a@x.example>")).Should().NotBeNull();
    }

    [Test]
    public void ExemptForAuthenticated_OnlyAuthenticatedSessions()
    {
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Authenticated) });
        var policy = TestPolicy.Engine("Connect:192.0.2.1 OK");
        var (_, gate) = Open(limits, policy, "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull("the bucket has room for one");
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull("Connect: OK does not exempt from an Authenticated-only limit");
    }
}
