using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>The lease table through <see cref="ILeaseTable"/>: TTL, refresh, purge, size bound, address forms.</summary>
public sealed class LeaseTableTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static IPAddress Ip(string text) => LeaseAddress.TryParse(text, out var a) ? a.ToIPAddress() : throw new ArgumentException(text);

    [Test]
    public async Task AddAsync_DefaultTtl_ExpiresAfter30MinutesOnRead()
    {
        ILeaseTable table = new InMemoryLeaseStore(_time);
        var lease = await table.AddAsync(Ip("192.0.2.1"), "drac", "alice", null, default);
        lease.Expires.Should().Be(_time.GetUtcNow() + TimeSpan.FromMinutes(30));
        _time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromTicks(1));
        (await table.GetAsync(Ip("192.0.2.1"), default))!.User.Should().Be("alice");
        _time.Advance(TimeSpan.FromTicks(1));
        (await table.GetAsync(Ip("192.0.2.1"), default)).Should().BeNull("expiry is checked on read, before any sweep");
        (await table.CheckAsync(Ip("192.0.2.1"), default)).Should().Be(LeaseStatus.NotLeased);
        (await table.ListAsync(default)).Should().BeEmpty();
    }

    [Test]
    public async Task AddAsync_NewLogin_RefreshesExpiryAndUser()
    {
        ILeaseTable table = new InMemoryLeaseStore(_time, TimeSpan.FromMinutes(10));
        await table.AddAsync(Ip("192.0.2.1"), "dovecot", "alice", null, default);
        _time.Advance(TimeSpan.FromMinutes(9));
        await table.AddAsync(Ip("192.0.2.1"), "drac", null, null, default);
        _time.Advance(TimeSpan.FromMinutes(9));
        var lease = await table.GetAsync(Ip("192.0.2.1"), default);
        lease!.Source.Should().Be("drac");
        lease.User.Should().BeNull();
        (await table.ListAsync(default)).Should().ContainSingle();
    }

    [Test]
    public async Task AddAsync_OwnTtl_OverridesDefault()
    {
        ILeaseTable table = new InMemoryLeaseStore(_time);
        await table.AddAsync(Ip("192.0.2.1"), "admin", null, TimeSpan.FromSeconds(90), default);
        _time.Advance(TimeSpan.FromSeconds(90));
        (await table.CheckAsync(Ip("192.0.2.1"), default)).Should().Be(LeaseStatus.NotLeased);
    }

    [Test]
    public async Task RemoveAsync_ExpiredLease_IsNoLease()
    {
        ILeaseTable table = new InMemoryLeaseStore(_time);
        await table.AddAsync(Ip("192.0.2.1"), "admin", null, TimeSpan.FromMinutes(1), default);
        _time.Advance(TimeSpan.FromMinutes(2));
        (await table.RemoveAsync(Ip("192.0.2.1"), default)).Should().BeFalse();
        (await table.RemoveAsync(Ip("192.0.2.2"), default)).Should().BeFalse();
    }

    [Test]
    public void SweepKeys_PurgesExpiredOnly_AndReturnsTheirAddresses()
    {
        var table = new InMemoryLeaseStore(_time);
        table.Add(Ip("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        table.Add(Ip("2001:db8::1"), ttl: TimeSpan.FromMinutes(1));
        table.Add(Ip("192.0.2.3"));
        _time.Advance(TimeSpan.FromMinutes(1));
        table.SweepKeys().Select(k => k.ToString()).Should().BeEquivalentTo("192.0.2.1", "IPv6:2001:db8:0:0:0:0:0:1");
        table.Count.Should().Be(1);
    }

    [Test]
    public void PlanRoomFor_FullTable_NamesExpiredThenSoonest_AndDropsNothingUntilDrop()
    {
        var evictions = new List<int>();
        var table = new InMemoryLeaseStore(_time, maxEntries: 3, onEvicted: evictions.Add);
        table.Add(Ip("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        table.Add(Ip("192.0.2.2"), ttl: TimeSpan.FromMinutes(5));
        table.Add(Ip("192.0.2.3"), ttl: TimeSpan.FromMinutes(9));
        ClientAddress.TryParse("192.0.2.4", out var key).Should().BeTrue();
        table.PlanRoomFor(key, out int evicted).Select(k => k.ToString()).Should().Equal("192.0.2.1");
        evicted.Should().Be(1, "nothing expired: the lease closest to expiry");
        _time.Advance(TimeSpan.FromMinutes(2));
        IReadOnlyList<ClientAddress> plan = table.PlanRoomFor(key, out evicted);
        plan.Select(k => k.ToString()).Should().Equal("192.0.2.1");
        evicted.Should().Be(0, "an expired lease makes the room");
        table.Count.Should().Be(3, "a plan drops nothing (a durable store drops once its write is on disk)");
        evictions.Should().BeEmpty();
        table.Drop(plan, evicted);
        table.Count.Should().Be(2);
        table.PlanRoomFor(key, out _).Should().BeEmpty("there is room now");
    }

    [Test]
    public void Add_FullTable_PurgesExpiredBeforeEvicting()
    {
        var evictions = new List<int>();
        var table = new InMemoryLeaseStore(_time, maxEntries: 3, onEvicted: evictions.Add);
        table.Add(Ip("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        table.Add(Ip("192.0.2.2"));
        table.Add(Ip("192.0.2.3"));
        _time.Advance(TimeSpan.FromMinutes(2));
        table.Add(Ip("192.0.2.4"));
        table.Count.Should().Be(3);
        evictions.Should().BeEmpty("an expired lease made room");
    }

    [Test]
    public void Add_FullTableNoneExpired_EvictsTheLeaseClosestToExpiry_AndReportsIt()
    {
        var evictions = new List<int>();
        var table = new InMemoryLeaseStore(_time, maxEntries: 3, onEvicted: evictions.Add);
        table.Add(Ip("192.0.2.1"));
        _time.Advance(TimeSpan.FromMinutes(1));
        table.Add(Ip("192.0.2.2"));
        _time.Advance(TimeSpan.FromMinutes(1));
        table.Add(Ip("192.0.2.3"));
        table.Add(Ip("192.0.2.1")); // refresh: 192.0.2.2 is now the oldest login; a refresh never evicts
        evictions.Should().BeEmpty();
        table.Add(Ip("192.0.2.4"));
        table.Count.Should().Be(3);
        evictions.Should().Equal(1);
        table.Check(ClientAddress.FromIPAddress(Ip("192.0.2.2"))).Should().Be(LeaseStatus.NotLeased);
        table.Check(ClientAddress.FromIPAddress(Ip("192.0.2.1"))).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public void Add_FullLargeTable_EvictsOnePercentInOnePass()
    {
        var evictions = new List<int>();
        var table = new InMemoryLeaseStore(_time, maxEntries: 1000, onEvicted: evictions.Add);
        for (uint i = 0; i < 1000; i++)
        {
            table.Set(ClientAddress.FromIPv4(0x0A000000u + i), _time.GetUtcNow() + TimeSpan.FromSeconds(100 + i), "t", null);
        }

        table.Add(Ip("192.0.2.99"));
        evictions.Should().Equal(10);
        table.Count.Should().Be(991);
        table.Check(ClientAddress.FromIPv4(0x0A000000u + 9)).Should().Be(LeaseStatus.NotLeased);
        table.Check(ClientAddress.FromIPv4(0x0A000000u + 10)).Should().Be(LeaseStatus.Leased);
    }

    [TestCase("192.0.2.7", "::ffff:192.0.2.7")]
    [TestCase("::ffff:192.0.2.7", "192.0.2.7")]
    [TestCase("[192.0.2.7]", "192.0.2.7")]
    [TestCase("2001:db8::7", "IPv6:2001:db8:0:0:0:0:0:7")]
    [TestCase("IPv6:2001:DB8:0:0:0:0:0:7", "2001:db8::7")]
    [TestCase("ipv6:2001:db8::7", "[IPv6:2001:db8:0:0::7]")]
    [TestCase("IPv6:::ffff:192.0.2.7", "192.0.2.7")]
    public async Task CheckAsync_AnyAddressForm_FindsTheLease(string added, string checkedAs)
    {
        ILeaseTable table = new InMemoryLeaseStore(_time);
        await table.AddAsync(Ip(added), "admin", null, null, default);
        (await table.CheckAsync(Ip(checkedAs), default)).Should().Be(LeaseStatus.Leased);
    }

    [TestCase("192.0.2.7", "192.0.2.7")]
    [TestCase("::ffff:192.0.2.7", "192.0.2.7")]
    [TestCase("2001:DB8::7", "IPv6:2001:db8:0:0:0:0:0:7")]
    public void LeaseAddress_Canonical_IsSendmailsForm(string text, string canonical)
    {
        LeaseAddress.TryParse(text, out var address).Should().BeTrue();
        address.ToString().Should().Be(canonical);
    }

    [TestCase("1.2.3")]
    [TestCase("1.2.3.256")]
    [TestCase("10")]
    [TestCase("host.example")]
    [TestCase("IPv6:")]
    [TestCase("")]
    public void LeaseAddress_NotAFullAddress_IsRefused(string text) => LeaseAddress.TryParse(text, out _).Should().BeFalse();
}
