using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using static Milter.Policy.Tests.Limits.LimitTesting;

namespace Milter.Policy.Tests.Limits;

/// <summary>The limits of a session against a real policy: stages, exemptions, ClientRate:/ClientConn:, audit, release.</summary>
public sealed class LimitGateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<LimitHit> _hits = [];
    private MemoryRateLimitStore? _store;

    private LimitEngine Limits(FloodLimits limits) =>
        new(limits, _store = new MemoryRateLimitStore(_time), new Hits(_hits));

    private static LimitGate Open(LimitEngine limits, PolicyEngine policy, string ip)
    {
        var session = policy.OpenSession(new ClientFacts(ip));
        session.Connect();
        return limits.Open(session);
    }

    private static PolicyReply? Connect(LimitEngine limits, PolicyEngine policy, string ip, out LimitGate gate)
    {
        gate = Open(limits, policy, ip);
        return Sync(gate.ConnectAsync());
    }

    [Test]
    public void Connect_OverTheOpenConnectionCap_Is421_AndCloseGivesTheSlotBack()
    {
        var limits = Limits(new FloodLimits { ClientConnections = new CountLimit("ClientConnections", 2) });
        var policy = TestPolicy.Engine("");
        Connect(limits, policy, "192.0.2.1", out var first).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out var third)!.Line.Should().Be("421 4.7.0 Too many open connections from your host, try again later");
        Connect(limits, policy, "192.0.2.2", out _).Should().BeNull("another client has its own count");
        third.HoldsConnectionSlot.Should().BeFalse();
        first.Close();
        first.Close(); // twice: released once
        Connect(limits, policy, "192.0.2.1", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out _).Should().NotBeNull();
        _hits.Should().HaveCount(2).And.AllSatisfy(h => h.Should().Match<LimitHit>(x => x.Key == "192.0.2.1" && x.Count == 3 && x.Max == 2 && !x.Audit));
    }

    [Test]
    public void Connect_OverTheConnectionRate_Is421_AndDoesNotKeepASlot()
    {
        var limits = Limits(new FloodLimits
        {
            ClientConnections = new CountLimit("ClientConnections", 10),
            ClientConnectionRate = Rate("ClientConnectionRate", LimitScope.Client, 2),
        });
        var policy = TestPolicy.Engine("");
        Connect(limits, policy, "192.0.2.1", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out var refused)!.Line.Should().StartWith("421 4.7.0 Connection rate");
        refused.HoldsConnectionSlot.Should().BeFalse();
        limits.Connections.Open(LimitKey.ForClient(new ClientFacts("192.0.2.1").Address)!.Value).Should().Be(2);
    }

    [TestCase("Connect:192.0.2.9 OK")]
    [TestCase("Connect:192.0.2 RELAY")]
    [TestCase("Connect:192.0.2.0/24 RELAY")]
    public void Connect_ClientWithConnectOkOrRelay_IsExempt(string access)
    {
        var limits = Limits(new FloodLimits { ClientConnectionRate = Rate("ClientConnectionRate", LimitScope.Client, 1, LimitExemptions.ConnectOk) });
        var policy = TestPolicy.Engine(access);
        for (var i = 0; i < 5; i++)
        {
            Connect(limits, policy, "192.0.2.9", out _).Should().BeNull();
        }

        Connect(limits, policy, "198.51.100.1", out _).Should().BeNull();
        Connect(limits, policy, "198.51.100.1", out _).Should().NotBeNull();
    }

    [Test]
    public void Connect_ClientConnOrClientRateEntry_ReplacesTheConfiguredLimit_ForThatClient()
    {
        var limits = Limits(new FloodLimits
        {
            ClientConnections = new CountLimit("ClientConnections", 1),
            ClientConnectionRate = Rate("ClientConnectionRate", LimitScope.Client, 1),
        });
        var policy = TestPolicy.Engine("ClientConn:192.0.2.7\t0\nClientRate:192.0.2.7\t0\n");
        for (var i = 0; i < 5; i++)
        {
            Connect(limits, policy, "192.0.2.7", out _).Should().BeNull("the entries (0 = unlimited) replace the configured limits");
        }

        Connect(limits, policy, "192.0.2.8", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.8", out _).Should().NotBeNull("without an entry the configured limits apply");
    }

    [Test]
    public void Mail_AuthenticatedSession_IsExemptFromClientRate_ButCountsAgainstItsUser()
    {
        var limits = Limits(new FloodLimits
        {
            ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Trusted),
            UserMessageRate = Rate("UserMessageRate", LimitScope.User, 3),
        });
        var policy = TestPolicy.Engine("");
        var gate = Open(limits, policy, "192.0.2.1");
        var auth = new AuthFacts("PLAIN", "Alice");
        for (var i = 0; i < 3; i++)
        {
            Sync(gate.MailAsync("<a@example.org>", auth)).Should().BeNull();
        }

        Sync(gate.MailAsync("<a@example.org>", new AuthFacts("LOGIN", "alice")))!.Line.Should().Be("451 4.7.1 Rate limit exceeded, try again later");
        _hits.Single().Should().Match<LimitHit>(h => h.Limit == "UserMessageRate" && h.Key == "alice" && h.Count == 4 && h.Max == 3 && h.Stage == PolicyStage.Mail);
        Sync(gate.MailAsync("<a@example.org>")).Should().BeNull("unauthenticated: the client's first message");
        Sync(gate.MailAsync("<a@example.org>")).Should().NotBeNull();
    }

    [Test]
    public void Mail_LeasedClient_IsExempt()
    {
        var leases = new InMemoryLeaseStore(_time);
        leases.Add(IPAddress.Parse("192.0.2.1"));
        var limits = Limits(new FloodLimits { ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, LimitExemptions.Leased) });
        var policy = TestPolicy.Engine("", leases: leases);
        var leased = Open(limits, policy, "192.0.2.1");
        var other = Open(limits, policy, "192.0.2.2");
        for (var i = 0; i < 3; i++)
        {
            Sync(leased.MailAsync("<a@example.org>")).Should().BeNull();
        }

        Sync(other.MailAsync("<a@example.org>")).Should().BeNull();
        Sync(other.MailAsync("<a@example.org>")).Should().NotBeNull();
    }

    [Test]
    public void Mail_NetworkRate_CountsTheWholeSlash24()
    {
        var limits = Limits(new FloodLimits { NetworkMessageRate = Rate("NetworkMessageRate", LimitScope.Network, 2) });
        var policy = TestPolicy.Engine("");
        Sync(Open(limits, policy, "192.0.2.1").MailAsync("<a@x.example>")).Should().BeNull();
        Sync(Open(limits, policy, "192.0.2.2").MailAsync("<b@x.example>")).Should().BeNull();
        Sync(Open(limits, policy, "192.0.2.3").MailAsync("<c@x.example>")).Should().NotBeNull();
        Sync(Open(limits, policy, "192.0.3.1").MailAsync("<c@x.example>")).Should().BeNull();
        _hits.Single().Key.Should().Be("192.0.2.0/24");
    }

    [Test]
    public void Mail_RefusedByANarrowLimit_IsNotChargedToTheServerBucket()
    {
        var server = Rate("ServerMessageRate", LimitScope.Server, 3);
        var limits = Limits(new FloodLimits { SenderMessageRate = Rate("SenderMessageRate", LimitScope.Sender, 1), ServerMessageRate = server });
        var gate = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<Jo+1@x.example>")).Should().BeNull();
        for (var i = 0; i < 5; i++)
        {
            Sync(gate.MailAsync($"<jo+{i}@X.example>")).Should().NotBeNull("+detail and case make one sender");
        }

        Sync(gate.MailAsync("<other@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<third@x.example>")).Should().BeNull("the server bucket holds 2 of 3");
        Sync(gate.MailAsync("<fourth@x.example>"))!.Line.Should().StartWith("451 4.7.1");
    }

    [Test]
    public void Rcpt_OverRecipientsPerMessage_Is452_AndTheCountRestartsWithTheNextMessage()
    {
        var limits = Limits(new FloodLimits { RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 2) });
        var gate = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r3@y.example>"))!.Line.Should().Be("452 4.5.3 Too many recipients");
        Sync(gate.RcptAsync("<r4@y.example>")).Should().NotBeNull();
        gate.EndMessage();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
    }

    [Test]
    public void Rcpt_MailBomb_OneSenderToOneRecipient_IsCappedPerWindow()
    {
        var limits = Limits(new FloodLimits { MailBomb = Rate("MailBomb", LimitScope.SenderRecipient, 3) });
        var policy = TestPolicy.Engine("");
        int Delivered(string from, string to) => Enumerable.Range(0, 10).Count(_ =>
        {
            var gate = Open(limits, policy, "192.0.2.1");
            Sync(gate.MailAsync(from));
            return Sync(gate.RcptAsync(to)) is null;
        });

        Delivered("<bomber@x.example>", "<victim@y.example>").Should().Be(3);
        Delivered("<bomber@x.example>", "<Victim+Spam@Y.example>").Should().Be(0, "+detail and case are the same mailbox");
        Delivered("<bomber@x.example>", "<other@y.example>").Should().Be(3);
        Delivered("<friend@x.example>", "<victim@y.example>").Should().Be(3);
        _hits.First().Key.Should().Be("bomber@x.example>victim@y.example");
    }

    [Test]
    public void Audit_Global_LogsEveryExcessButRefusesNothing()
    {
        var limits = Limits(new FloodLimits
        {
            Audit = true,
            ClientConnections = new CountLimit("ClientConnections", 1),
            ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1),
            RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1),
        });
        var policy = TestPolicy.Engine("");
        Connect(limits, policy, "192.0.2.1", out _).Should().BeNull();
        Connect(limits, policy, "192.0.2.1", out var gate).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r2@y.example>")).Should().BeNull();
        _hits.Select(h => (h.Limit, h.Audit)).Should().Equal(("ClientConnections", true), ("ClientMessageRate", true), ("RecipientsPerMessage", true));
        gate.Close();
        limits.Connections.Open(LimitKey.ForClient(new ClientFacts("192.0.2.1").Address)!.Value).Should().Be(1, "audit counts the slot it lets through, and gives it back");
    }

    [Test]
    public void Audit_PerLimit_OnlyThatLimitIsLenient()
    {
        var limits = Limits(new FloodLimits
        {
            ClientMessageRate = Rate("ClientMessageRate", LimitScope.Client, 1, audit: true),
            SenderMessageRate = Rate("SenderMessageRate", LimitScope.Sender, 2),
        });
        var gate = Open(limits, TestPolicy.Engine(""), "192.0.2.1");
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().BeNull();
        Sync(gate.MailAsync("<a@x.example>")).Should().NotBeNull();
        _hits.Select(h => (h.Limit, h.Audit)).Should().Equal(("ClientMessageRate", true), ("SenderMessageRate", false));
    }

    [Test]
    public void LocalClient_HasNoPerClientLimits()
    {
        var limits = Limits(new FloodLimits { ClientConnectionRate = Rate("ClientConnectionRate", LimitScope.Client, 1) });
        for (var i = 0; i < 3; i++)
        {
            Connect(limits, TestPolicy.Engine(""), "", out _).Should().BeNull();
        }

        _store!.Count(limits.Limits.ClientConnectionRate!).Should().Be(0);
    }
}
