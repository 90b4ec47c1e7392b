using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>The memory lease table at its edges: listing order, empty users, loaded leases, bad addresses and settings.</summary>
public sealed class LeaseStoreEdgeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static ClientAddress Key(string text) => ClientAddress.TryParse(text, out var a) ? a : throw new ArgumentException(text);

    [Test]
    public void List_IsSoonestExpiryFirst_WithoutExpiredLeases()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"), ttl: TimeSpan.FromMinutes(20));
        store.Add(IPAddress.Parse("192.0.2.2"), ttl: TimeSpan.FromMinutes(5));
        store.Add(IPAddress.Parse("192.0.2.3"), ttl: TimeSpan.FromMinutes(10));
        store.Add(IPAddress.Parse("192.0.2.4"), ttl: TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.List().Select(l => l.Client.ToString()).Should().Equal("192.0.2.2", "192.0.2.3", "192.0.2.1");
        store.Count.Should().Be(4, "expired leases are hidden on read, dropped by a sweep");
    }

    [Test]
    public void EmptyUser_IsNoUser()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"), "pop", "").User.Should().BeNull();
        store.Get(Key("192.0.2.1"))!.User.Should().BeNull();
        store.Get(Key("192.0.2.1"))!.Source.Should().Be("pop");
    }

    [Test]
    public void Load_StoresTheLeaseAsGiven()
    {
        var store = new InMemoryLeaseStore(_time);
        var expires = _time.GetUtcNow() + TimeSpan.FromMinutes(3);
        store.Load(Key("192.0.2.9"), expires, "journal", "bob");
        store.Get(Key("192.0.2.9")).Should().Be(new Lease(IPAddress.Parse("192.0.2.9"), expires, "journal", "bob"));
        store.Load(Key("192.0.2.8"), expires, "journal", "");
        store.Get(Key("192.0.2.8"))!.User.Should().BeNull();
    }

    [Test]
    public void Load_IntoAFullTable_MakesRoom()
    {
        var evicted = 0;
        var store = new InMemoryLeaseStore(_time, maxEntries: 2, onEvicted: n => evicted += n);
        store.Load(Key("192.0.2.1"), _time.GetUtcNow() + TimeSpan.FromMinutes(1), "j", null);
        store.Load(Key("192.0.2.2"), _time.GetUtcNow() + TimeSpan.FromMinutes(9), "j", null);
        store.Load(Key("192.0.2.3"), _time.GetUtcNow() + TimeSpan.FromMinutes(5), "j", null);
        store.Count.Should().Be(2);
        store.Check(Key("192.0.2.1")).Should().Be(LeaseStatus.NotLeased, "the lease closest to expiry made room");
        evicted.Should().Be(1);
    }

    [Test]
    public void Refresh_InAFullTable_EvictsNothing()
    {
        var evicted = 0;
        var store = new InMemoryLeaseStore(_time, maxEntries: 2, onEvicted: n => evicted += n);
        store.Add(IPAddress.Parse("192.0.2.1"));
        store.Add(IPAddress.Parse("192.0.2.2"));
        store.Add(IPAddress.Parse("192.0.2.1"));
        store.Count.Should().Be(2);
        evicted.Should().Be(0);
    }

    [Test]
    public void Set_WithoutAnAddress_IsRefused() =>
        FluentActions.Invoking(() => new InMemoryLeaseStore(_time).Set(ClientAddress.None, _time.GetUtcNow(), "api", null))
            .Should().Throw<ArgumentException>().WithParameterName("key");

    [Test]
    public void Remove_OfAnExpiredLease_SaysThereWasNone()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.Remove(IPAddress.Parse("192.0.2.1")).Should().BeFalse();
        store.Count.Should().Be(0, "it is dropped all the same");
        store.Remove(IPAddress.Parse("192.0.2.1")).Should().BeFalse();
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Ttl_MustBePositive(int minutes) =>
        FluentActions.Invoking(() => new InMemoryLeaseStore(_time, TimeSpan.FromMinutes(minutes))).Should().Throw<ArgumentOutOfRangeException>();

    [Test]
    public void MaxEntries_MustBeAtLeastOne() =>
        FluentActions.Invoking(() => new InMemoryLeaseStore(_time, maxEntries: 0)).Should().Throw<ArgumentOutOfRangeException>();

    [Test]
    public void Sweep_CountsWhatItDropped()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Add(IPAddress.Parse("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        store.Add(IPAddress.Parse("192.0.2.2"), ttl: TimeSpan.FromMinutes(2));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.Sweep().Should().Be(1);
        store.Sweep().Should().Be(0);
    }
}
