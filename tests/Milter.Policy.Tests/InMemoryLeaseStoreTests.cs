using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;

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
