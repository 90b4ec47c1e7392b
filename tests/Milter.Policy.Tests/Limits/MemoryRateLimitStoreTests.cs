using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>GCRA on a fake clock: exact counts at the edges, burst, refusals that count nothing, eviction, the cap.</summary>
public sealed class MemoryRateLimitStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static LimitKey Ip(string address) => LimitKey.ForClient(Parse(address))!.Value;

    private static ClientAddress Parse(string address) =>
        ClientAddress.TryParse(address, out var parsed) ? parsed : throw new ArgumentException(address);

    private static int Allowed(MemoryRateLimitStore store, RateLimit limit, LimitKey key, int attempts)
    {
        var n = 0;
        for (var i = 0; i < attempts; i++)
        {
            n += store.Acquire(limit, key).Allowed ? 1 : 0;
        }

        return n;
    }

    [Test]
    public void Acquire_BurstOfTen_AllowsExactlyTenAtOnce()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60));
        Allowed(store, limit, Ip("192.0.2.1"), 25).Should().Be(10);
    }

    [Test]
    public void Acquire_OneTickBeforeTheInterval_IsRefused_AndAtTheInterval_AllowsExactlyOne()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60)); // one per 6 s
        var key = Ip("192.0.2.1");
        Allowed(store, limit, key, 10).Should().Be(10);
        _time.Advance(TimeSpan.FromSeconds(6) - TimeSpan.FromTicks(1));
        store.Acquire(limit, key).Allowed.Should().BeFalse();
        _time.Advance(TimeSpan.FromTicks(1));
        Allowed(store, limit, key, 3).Should().Be(1);
    }

    [Test]
    public void Acquire_AfterAFullPeriod_TheWholeBurstIsBack_AndNoMore()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60));
        var key = Ip("192.0.2.1");
        Allowed(store, limit, key, 10).Should().Be(10);
        _time.Advance(TimeSpan.FromSeconds(60));
        Allowed(store, limit, key, 15).Should().Be(10);
    }

    [Test]
    public void Acquire_RefusedRequests_CountNothing()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 2, TimeSpan.FromSeconds(10)); // one per 5 s
        var key = Ip("192.0.2.1");
        Allowed(store, limit, key, 1000).Should().Be(2);
        _time.Advance(TimeSpan.FromSeconds(5));
        Allowed(store, limit, key, 1000).Should().Be(1, "998 refused attempts must not push the bucket further");
    }

    [Test]
    public void Acquire_BurstSmallerThanCount_SpacesEventsAfterTheBurst()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 60, TimeSpan.FromSeconds(60), burst: 3); // one per second
        var key = Ip("192.0.2.1");
        Allowed(store, limit, key, 10).Should().Be(3);
        for (var s = 0; s < 5; s++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Allowed(store, limit, key, 10).Should().Be(1);
        }
    }

    [Test]
    public void Acquire_ReportsTheCountAndRetryAfter()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 4, TimeSpan.FromSeconds(60));
        var key = Ip("192.0.2.1");
        store.Acquire(limit, key).Count.Should().Be(1);
        store.Acquire(limit, key).Count.Should().Be(2);
        Allowed(store, limit, key, 2).Should().Be(2);
        var refused = store.Acquire(limit, key);
        refused.Should().Be(new RateDecision(false, 4, TimeSpan.FromSeconds(15)));
    }

    [Test]
    public void Acquire_KeysAndLimitsAreIndependent()
    {
        var store = new MemoryRateLimitStore(_time);
        var a = new RateLimit("a", LimitScope.Client, 1, TimeSpan.FromSeconds(60));
        var b = new RateLimit("b", LimitScope.Client, 1, TimeSpan.FromSeconds(60));
        store.Acquire(a, Ip("192.0.2.1")).Allowed.Should().BeTrue();
        store.Acquire(a, Ip("192.0.2.2")).Allowed.Should().BeTrue();
        store.Acquire(b, Ip("192.0.2.1")).Allowed.Should().BeTrue();
        store.Acquire(a, Ip("192.0.2.1")).Allowed.Should().BeFalse();
    }

    [Test]
    public void WithCount_SharesTheBucketsOfItsOriginal()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60));
        var key = Ip("192.0.2.1");
        Allowed(store, limit, key, 3).Should().Be(3);
        // The shared state is the TAT, now + 18 s; at 4/min (15 s each, 60 s of capacity) that leaves room for two.
        Allowed(store, limit.WithCount(4), key, 10).Should().Be(2);
        store.Count(limit).Should().Be(1);
    }

    [Test]
    public void Sweep_DropsExactlyTheKeysWhoseBucketIsFullAgain()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 100; i++)
        {
            store.Acquire(limit, LimitKey.ForClient(ClientAddress.FromIPv4(0x0A000000u + (uint)i))!.Value);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 100; i < 150; i++)
        {
            store.Acquire(limit, LimitKey.ForClient(ClientAddress.FromIPv4(0x0A000000u + (uint)i))!.Value);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        store.Sweep(limit).Should().Be(100);
        store.Count(limit).Should().Be(50);
    }

    [Test]
    public void Insert_EvictsIdleKeysOnTheWay_SoTheTableDoesNotGrowWithTurnover()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromSeconds(1));
        uint next = 0;
        for (var round = 0; round < 50; round++)
        {
            for (var i = 0; i < 10_000; i++)
            {
                store.Acquire(limit, LimitKey.ForClient(ClientAddress.FromIPv4(next++))!.Value).Allowed.Should().BeTrue();
            }

            _time.Advance(TimeSpan.FromSeconds(2)); // every key so far is idle
        }

        store.Count(limit).Should().BeLessThan(20_000, "500,000 keys went through but at most two rounds are ever live");
        store.Bytes(limit).Should().BeLessThanOrEqualTo(24L * 16 * 4096, "the slots of ~20,000 keys, not of 500,000");
    }

    [Test]
    public void HardCap_NewKeysWhenFull_AreAnsweredAsFreshButNotStored()
    {
        var store = new MemoryRateLimitStore(_time, maxEntries: 64);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromHours(1));
        var allowed = 0;
        for (uint i = 0; i < 1000; i++)
        {
            allowed += store.Acquire(limit, LimitKey.ForClient(ClientAddress.FromIPv4(i))!.Value).Allowed ? 1 : 0;
        }

        allowed.Should().Be(1000);
        store.Count(limit).Should().BeLessThanOrEqualTo(64);
        store.Overflows(limit).Should().Be(1000 - store.Count(limit));
    }

    [Test]
    [Category("Memory")]
    [NonParallelizable] // the heap is measured: no other test may allocate meanwhile
    public void OneMillionClientIps_StayWithinTheDocumentedBound()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60));
        store.Acquire(limit, Ip("192.0.2.1"));
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (uint i = 0; i < 1_000_000; i++)
        {
            store.Acquire(limit, LimitKey.ForClient(ClientAddress.FromIPv4(0x0B000000u + i))!.Value);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var bound = MemoryRateLimitStore.BytesPerLimit(MemoryRateLimitStore.DefaultMaxEntries);
        TestContext.Out.WriteLine($"1,000,000 keys: {store.Count(limit)} stored, slots {store.Bytes(limit)} B, heap +{after - before} B = {(after - before) / 1_000_000.0:0.0} B/key; bound {bound} B");
        store.Count(limit).Should().Be(1_000_001);
        store.Overflows(limit).Should().Be(0);
        bound.Should().Be(48L << 20);
        store.Bytes(limit).Should().BeLessThanOrEqualTo(bound);
        (after - before).Should().BeLessThanOrEqualTo(bound + (1 << 20), "the slots plus a fixed ~1 KB of shard objects (and measurement noise)");
        GC.KeepAlive(store);
    }
}
