using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

public sealed class InMemoryLeaseStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static LeaseStatus Check(InMemoryLeaseStore store, string address)
    {
        return Sync(store.CheckAsync(IPAddress.Parse(address), CancellationToken.None));
    }

    private static LeaseStatus Sync(ValueTask<LeaseStatus> pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            throw new AssertionException("in-memory lease checks complete synchronously");
        }

        return pending.GetAwaiter().GetResult();
    }

    [Test]
    public void Check_Unknown_IsNotLeased() => Check(new InMemoryLeaseStore(_time), "192.0.2.1").Should().Be(LeaseStatus.NotLeased);

    [Test]
    public void Check_WithinTtl_IsLeasedAndExpiresAfter30Minutes()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"));
        _time.Advance(TimeSpan.FromMinutes(29));
        Check(store, "192.0.2.1").Should().Be(LeaseStatus.Leased);
        _time.Advance(TimeSpan.FromMinutes(1));
        Check(store, "192.0.2.1").Should().Be(LeaseStatus.NotLeased);
    }

    [Test]
    public void Add_Again_RefreshesExpiry()
    {
        var store = new InMemoryLeaseStore(_time, TimeSpan.FromMinutes(10));
        store.Add(IPAddress.Parse("192.0.2.1"));
        _time.Advance(TimeSpan.FromMinutes(8));
        store.Add(IPAddress.Parse("192.0.2.1"));
        _time.Advance(TimeSpan.FromMinutes(8));
        Check(store, "192.0.2.1").Should().Be(LeaseStatus.Leased);
    }

    [TestCase("192.0.2.1", "192.0.2.1", LeaseStatus.Leased)]
    [TestCase("::ffff:192.0.2.1", "192.0.2.1", LeaseStatus.Leased)]
    [TestCase("2001:db8::1", "IPv6:2001:db8:0:0:0:0:0:1", LeaseStatus.Leased)]
    [TestCase("192.0.2.1", "192.0.2.2", LeaseStatus.NotLeased)]
    [TestCase("192.0.2.1", "2001:db8::1", LeaseStatus.NotLeased)]
    public void Check_ByTheParsedClientAddress_AnswersAsByIPAddress(string added, string client, LeaseStatus expected)
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse(added));
        var address = new ClientFacts(client).Address;
        Sync(store.CheckAsync(address, CancellationToken.None)).Should().Be(expected);
        Sync(store.CheckAsync(address.ToIPAddress(), CancellationToken.None)).Should().Be(expected);
        _time.Advance(TimeSpan.FromMinutes(30));
        Sync(store.CheckAsync(address, CancellationToken.None)).Should().Be(LeaseStatus.NotLeased, "the lease has expired");
    }

    [Test]
    public void AStoreThatOnlyChecksIPAddresses_IsAskedWithTheParsedAddress()
    {
        var store = new IPAddressOnlyStore();
        ILeaseStore asked = store;
        Sync(asked.CheckAsync(new ClientFacts("[IPv6:2001:DB8::7]").Address, CancellationToken.None)).Should().Be(LeaseStatus.Leased);
        store.Asked.Should().Equal(IPAddress.Parse("2001:db8::7"));
    }

    private sealed class IPAddressOnlyStore : ILeaseStore
    {
        public List<IPAddress> Asked { get; } = [];

        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken)
        {
            Asked.Add(client);
            return new(LeaseStatus.Leased);
        }
    }

    [TestCase("192.0.2.1", "::ffff:192.0.2.1")]
    [TestCase("::ffff:192.0.2.1", "192.0.2.1")]
    [TestCase("2001:db8::1", "2001:DB8:0:0::1")]
    public void Check_AnyAddressForm_FindsLease(string added, string checkedAs)
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse(added));
        Check(store, checkedAs).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public void Remove_DropsLease()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"));
        store.Remove(IPAddress.Parse("192.0.2.1")).Should().BeTrue();
        Check(store, "192.0.2.1").Should().Be(LeaseStatus.NotLeased);
    }

    [Test]
    public void Sweep_RemovesOnlyExpired()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        store.Add(IPAddress.Parse("192.0.2.2"), "dovecot", "bob");
        _time.Advance(TimeSpan.FromMinutes(2));
        store.Sweep().Should().Be(1);
        store.List().Should().ContainSingle().Which.User.Should().Be("bob");
    }

    [Test]
    public void Check_AllocatesNothing()
    {
        var store = new InMemoryLeaseStore(_time);
        var address = IPAddress.Parse("2001:db8::1");
        store.Add(address);
        Check(store, "2001:db8::1");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Sync(store.CheckAsync(address, CancellationToken.None));
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }
}
