using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// <c>ClientRate:</c> and <c>ClientConn:</c> as Sendmail's ratecontrol and conncontrol (proto.m4 RateControl,
/// ConnControl; ratectrl.c): counted for every connection, compared at the end of check_relay (after the Connect:
/// lookup, before the DNS lists), <c>452 4.3.2</c> or, with terminate, 421.
/// </summary>
public sealed class ClientControlTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private LimitEngine Limits(FloodLimits? limits = null) => new(limits ?? new FloodLimits(), new MemoryRateLimitStore(_time), time: _time);

    private static PolicyEngine Policy(string access, Action<PolicyOptions>? configure = null, IDnsResolver? dns = null)
    {
        var options = new PolicyOptions();
        configure?.Invoke(options);
        return new PolicyEngine(new RuleSetHolder(TestPolicy.Rules(access)), options, resolver: dns);
    }

    /// <summary>What the adapter does at connect: open, count, check_relay.</summary>
    private static (PolicySession Session, LimitGate Gate, Verdict Connect) Connect(LimitEngine limits, PolicyEngine policy, string ip)
    {
        var session = policy.OpenSession(new ClientFacts(ip));
        var gate = limits.Open(session);
        gate.Register();
        return (session, gate, session.ConnectAsync().AsTask().GetAwaiter().GetResult());
    }

    [Test]
    public void ClientRate_TheConnectionOverTheLimit_Gets452_DeliveredAfterConnect()
    {
        var limits = Limits();
        var policy = Policy("ClientRate:192.0.2.1\t2\n");

        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
        var third = Connect(limits, policy, "192.0.2.1");

        third.Connect.IsDeferred.Should().BeTrue("a connect-stage text is lost in Sendmail: it is delivered at HELO and MAIL");
        third.Session.Helo("x").Outcome.Should().Be("452 4.3.2 Connection rate limit exceeded.");
        third.Connect.DecidedBy!.Location.Should().Be("access:1");
    }

    [Test]
    public void ClientConn_MoreOpenThanTheLimit_Gets452_AndClosingFreesOne()
    {
        var limits = Limits();
        var policy = Policy("ClientConn:192.0.2\t1\n");

        var first = Connect(limits, policy, "192.0.2.1");
        first.Connect.IsRefusal.Should().BeFalse();
        var second = Connect(limits, policy, "192.0.2.1");
        second.Connect.Outcome.Should().Be("452 4.3.2 Too many open connections.");
        second.Gate.Close();
        first.Gate.Close();
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
    }

    [Test]
    public void Terminate_Answers421()
    {
        var limits = Limits(new FloodLimits { RateControl = new ClientControlMode(Terminate: true), ConnControl = new ClientControlMode(Terminate: true) });
        var rate = Policy("ClientRate:\t1\n");
        Connect(limits, rate, "192.0.2.1");
        Connect(limits, rate, "192.0.2.1").Connect.Outcome.Should().Be("421 4.3.2 Connection rate limit exceeded.");
        var conn = Policy("ClientConn:\t1\n");
        Connect(limits, conn, "192.0.2.9");
        Connect(limits, conn, "192.0.2.9").Connect.Outcome.Should().Be("421 4.3.2 Too many open connections.");
    }

    [Test]
    public void EntriesWalkTheAddress_ThenTheDefaultKey_AndZeroIsUnlimited()
    {
        var limits = Limits();
        var policy = Policy("ClientRate:\t2\nClientRate:192.0.2\t4\nClientRate:192.0.2.5\t0\n");
        int Passed(string ip) => Enumerable.Range(0, 10).Count(_ => !Connect(limits, policy, ip).Connect.IsRefusal);

        Passed("198.51.100.1").Should().Be(2, "the empty key is the default");
        Passed("192.0.2.1").Should().Be(4, "the octet prefix is found by the address walk");
        Passed("192.0.2.5").Should().Be(10, "0 is unlimited");
    }

    [Test]
    public void RefusedConnectionsCount_AndTheWindowForgetsThemAfterItsLength()
    {
        var limits = Limits(new FloodLimits { ConnectionRateWindow = TimeSpan.FromMinutes(10) });
        var policy = Policy("ClientRate:\t1\n");
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
        _time.Advance(TimeSpan.FromMinutes(5));
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeTrue("within Debian's 10 minute window");
        _time.Advance(TimeSpan.FromMinutes(9));
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeTrue("the refused connection counts too, as in Sendmail");
        _time.Advance(TimeSpan.FromMinutes(10));
        Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
    }

    [TestCase("Connect:192.0.2.1\tOK")]
    [TestCase("Connect:192.0.2\tRELAY")]
    public void ConnectOkOrRelay_IsNotLimited(string connect)
    {
        var limits = Limits();
        var policy = Policy(connect + "\nClientRate:\t1\nClientConn:\t1\n");
        for (var i = 0; i < 4; i++)
        {
            Connect(limits, policy, "192.0.2.1").Connect.IsRefusal.Should().BeFalse();
        }
    }

    [Test]
    public void RateControl_ComesBeforeConnControl_AndBeforeTheDnsLists()
    {
        var dns = new FakeDnsResolver().Answer("1.2.0.192.bl.example", DnsRecordType.A, "127.0.0.2");
        var limits = Limits();
        var policy = Policy("ClientRate:\t1\nClientConn:\t1\n", o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }], dns);
        Connect(limits, policy, "192.0.2.1").Connect.Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
        Connect(limits, policy, "192.0.2.1").Connect.Outcome.Should().Be("452 4.3.2 Connection rate limit exceeded.");
    }

    [Test]
    public void DelayChecks_MovesTheControlsToRcpt_NoDelayKeepsThemAtConnectBeforeTheAccessLookup()
    {
        var limits = Limits();
        var delayed = Policy("Connect:192.0.2.1\tOK\nClientRate:\t1\n", o => o.DelayChecks = DelayChecksMode.On);
        Connect(limits, delayed, "192.0.2.2");
        var second = Connect(limits, delayed, "192.0.2.2");
        second.Connect.IsRefusal.Should().BeFalse();
        second.Session.MailAsync("<a@example.net>").AsTask().GetAwaiter().GetResult();
        second.Session.RcptSync("<u@example.net>").Outcome.Should().Be("452 4.3.2 Connection rate limit exceeded.");

        var nodelay = Limits(new FloodLimits { RateControl = new ClientControlMode(NoDelay: true) });
        Connect(nodelay, delayed, "192.0.2.1");
        Connect(nodelay, delayed, "192.0.2.1").Connect.Outcome.Should().Be("452 4.3.2 Connection rate limit exceeded.", "nodelay runs before Connect: OK is looked up");
    }

    [Test]
    public void WithoutAccessEntries_NothingIsCounted()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false });
        var policy = Policy("ClientRate:\t1\n");
        Connect(limits, policy, "192.0.2.1");
        var second = Connect(limits, policy, "192.0.2.1");
        second.Connect.IsRefusal.Should().BeFalse();
        second.Session.Counts.Should().BeNull();
    }
}
