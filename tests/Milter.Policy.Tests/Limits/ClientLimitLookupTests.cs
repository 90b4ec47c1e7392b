using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// What the limits ask of the policy: whether check_relay's Connect: walk trusts the client (by name, then address,
/// SKIP meaning no entry), the ClientRate:/ClientConn: entry of the client, and the reasons a control refuses with.
/// </summary>
public sealed class ClientLimitLookupTests
{
    private static PolicySession Session(string access, string ip, string? name = null) =>
        TestPolicy.Engine(access).OpenSession(new ClientFacts(ip, name, name is null ? ClientResolve.Unknown : ClientResolve.Ok));

    [Test]
    public void ClientIsTrusted_ByAConnectNameEntry()
    {
        Session("Connect:trusted.example\tOK\n", "192.0.2.1", "mx.trusted.example").ClientIsTrusted().Should().BeTrue();
        Session("Connect:trusted.example\tOK\n", "192.0.2.1", "mx.other.example").ClientIsTrusted().Should().BeFalse();
    }

    [Test]
    public void ClientIsTrusted_NameSkip_FallsBackToTheAddress()
    {
        var access = "Connect:trusted.example\tSKIP\nConnect:192.0.2\tRELAY\n";
        Session(access, "192.0.2.1", "mx.trusted.example").ClientIsTrusted().Should().BeTrue();
        Session(access, "198.51.100.1", "mx.trusted.example").ClientIsTrusted().Should().BeFalse();
    }

    [Test]
    public void FindClientLimit_EmptyTag_IsRefused()
    {
        var session = Session("", "192.0.2.1");
        session.Invoking(s => s.FindClientLimit("")).Should().Throw<ArgumentException>().WithParameterName("tag");
    }

    [Test]
    public void FindClientLimit_ReadsTaggedEntriesOnly_ThenTheDefault()
    {
        var session = Session("192.0.2.1\tOK\nClientRate:\t7\n", "192.0.2.1");
        session.FindClientLimit(ILimitedSession.ClientRateTag).Should().Be(7, "an untagged 192.0.2.1 entry is no ClientRate: entry");
    }

    [Test]
    public void FindClientLimit_WalksOctets_NotCidrBlocks()
    {
        var session = Session("Connect:192.0.2.0/24\tOK\nClientRate:\t7\nClientRate:192.0.2.1\t3\n", "192.0.2.1");
        session.FindClientLimit(ILimitedSession.ClientRateTag).Should().Be(3);
        Session("Connect:192.0.2.0/24\tOK\nClientRate:\t7\n", "192.0.2.1").FindClientLimit(ILimitedSession.ClientRateTag).Should().Be(7);
    }

    [Test]
    public async Task ConnectAddressSkip_LeavesTheClientToTheDnsLists()
    {
        var dns = new FakeDnsResolver().Answer("1.2.0.192.bl.example", DnsRecordType.A, "127.0.0.2");
        var options = new PolicyOptions { Dnsbl = [new DnsblOptions { Zone = "bl.example" }] };
        var policy = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("Connect:192.0.2.1\tSKIP\n")), options, resolver: dns);
        var session = policy.OpenSession(new ClientFacts("192.0.2.1"));
        (await session.ConnectAsync()).Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
    }

    private static Verdict Connect(LimitEngine limits, PolicyEngine policy, string ip, out PolicySession session)
    {
        session = policy.OpenSession(new ClientFacts(ip));
        limits.Open(session).Register();
        return session.ConnectAsync().AsTask().GetAwaiter().GetResult();
    }

    [Test]
    public void Controls_SayWhatWasCounted_AndTheLimit()
    {
        var limits = new LimitEngine(new FloodLimits(), new MemoryRateLimitStore(), time: new FakeTimeProvider());
        var rate = TestPolicy.Engine("ClientRate:\t1\n");
        Connect(limits, rate, "192.0.2.1", out _);
        Connect(limits, rate, "192.0.2.1", out _).Reason.Should().Be("ClientRate: 2 connections in 60s, limit 1 (ratecontrol)");
        var conn = TestPolicy.Engine("ClientConn:\t1\n");
        Connect(limits, conn, "192.0.2.9", out _);
        Connect(limits, conn, "192.0.2.9", out _).Reason.Should().Be("ClientConn: 2 open connections, limit 1 (conncontrol)");
    }

    [Test]
    public void DelayChecks_MovesConnControlToRcpt_UnlessNoDelay()
    {
        var limits = new LimitEngine(new FloodLimits(), new MemoryRateLimitStore(), time: new FakeTimeProvider());
        var policy = TestPolicy.Engine("ClientConn:\t1\n", new PolicyOptions { DelayChecks = DelayChecksMode.On });
        Connect(limits, policy, "192.0.2.2", out _).IsRefusal.Should().BeFalse();
        Connect(limits, policy, "192.0.2.2", out var second).IsRefusal.Should().BeFalse("with delay_checks conncontrol waits for RCPT");
        second.MailAsync("<a@example.net>").AsTask().GetAwaiter().GetResult();
        second.RcptSync("<u@example.net>").Outcome.Should().Be("452 4.3.2 Too many open connections.");

        var nodelay = new LimitEngine(new FloodLimits { ConnControl = new ClientControlMode(NoDelay: true) }, new MemoryRateLimitStore(), time: new FakeTimeProvider());
        Connect(nodelay, policy, "192.0.2.3", out _).IsRefusal.Should().BeFalse();
        Connect(nodelay, policy, "192.0.2.3", out _).Outcome.Should().Be("452 4.3.2 Too many open connections.");
    }
}
