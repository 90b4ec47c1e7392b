using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>The memory lease table refuses missing arguments by name, keeps the user it is given, and frees a lease expiring now before evicting a live one.</summary>
public sealed class LeaseStoreArgumentTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static ClientAddress Key(string text) => ClientAddress.TryParse(text, out var a) ? a : throw new ArgumentException(text);

    [Test]
    public void Set_KeepsTheUser_AndAnEmptyUserIsNone()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Set(Key("192.0.2.1"), _time.GetUtcNow().AddMinutes(5), "pop", "bob").User.Should().Be("bob");
        store.Set(Key("192.0.2.2"), _time.GetUtcNow().AddMinutes(5), "pop", "").User.Should().BeNull();
        store.Set(Key("192.0.2.3"), _time.GetUtcNow().AddMinutes(5), "pop", null).User.Should().BeNull();
    }

    [Test]
    public void Set_WithoutSource_IsRefusedNamingIt()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Invoking(s => s.Set(Key("192.0.2.1"), _time.GetUtcNow().AddMinutes(5), null!, null))
            .Should().Throw<ArgumentNullException>().WithParameterName("source");
        store.Count.Should().Be(0);
    }

    [Test]
    public void Drop_WithoutKeys_IsRefused()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Invoking(s => s.Drop(null!, 0)).Should().Throw<ArgumentNullException>().WithParameterName("keys");
    }

    [Test]
    public void Check_WithoutAddress_IsRefused()
    {
        var store = new InMemoryLeaseStore(_time);
        store.Invoking(s => s.CheckAsync(null!, CancellationToken.None)).Should().Throw<ArgumentNullException>().WithParameterName("client");
    }

    [Test]
    public void FullTable_ALeaseExpiringNow_IsFreedRatherThanEvictingALiveOne()
    {
        var evicted = new List<int>();
        var store = new InMemoryLeaseStore(_time, maxEntries: 2, onEvicted: evicted.Add);
        store.Add(IPAddress.Parse("192.0.2.1"), ttl: TimeSpan.FromMinutes(1));
        store.Add(IPAddress.Parse("192.0.2.2"), ttl: TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.Check(Key("192.0.2.1")).Should().Be(LeaseStatus.NotLeased, "it expires now");
        store.Add(IPAddress.Parse("192.0.2.3"));
        evicted.Should().BeEmpty();
        store.Check(Key("192.0.2.2")).Should().Be(LeaseStatus.Leased);
        store.Check(Key("192.0.2.3")).Should().Be(LeaseStatus.Leased);
    }

    [TestCase("192.0.2.255")]
    [TestCase("255.255.255.255")]
    public void LeaseAddress_OctetOf255_IsTaken(string text) => LeaseAddress.TryParse(text, out _).Should().BeTrue();

    [TestCase("192.0.2.0255")]
    [TestCase("192.0.2.x")]
    [TestCase("192.0.2.-1")]
    [TestCase("192.0..2")]
    public void LeaseAddress_BadOctet_IsRefused(string text) => LeaseAddress.TryParse(text, out _).Should().BeFalse();
}
