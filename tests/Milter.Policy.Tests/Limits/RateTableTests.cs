using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// The buckets behind <see cref="MemoryRateLimitStore"/> under churn: dropping idle keys and growing the table never
/// loses a live key's bucket, the cap is exact, refused new keys are not stored, the slot bytes are what is documented.
/// </summary>
public sealed class RateTableTests
{
    private const int Keys = 2000;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static LimitKey Key(int i) => LimitKey.ForClient(ClientAddress.FromIPv4(0x0A000000u + (uint)i))!.Value;

    /// <summary>Two per minute (one per 30 s, burst 2): every key once at 0 s, the odd ones again at 20 s; at 30 s the even ones are idle.</summary>
    private (MemoryRateLimitStore Store, RateLimit Limit) HalfIdle()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 2, TimeSpan.FromSeconds(60));
        for (var i = 0; i < Keys; i++)
        {
            store.Acquire(limit, Key(i)).Count.Should().Be(1);
        }

        _time.Advance(TimeSpan.FromSeconds(20));
        for (var i = 1; i < Keys; i += 2)
        {
            store.Acquire(limit, Key(i)).Count.Should().Be(2, "key {0} was stored at 0 s", i);
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        return (store, limit);
    }

    private static void LiveKeysRemembered(MemoryRateLimitStore store, RateLimit limit)
    {
        for (var i = 1; i < Keys; i += 2)
        {
            // TAT 60 s at 30 s: one more fits (count 2), the next does not.
            store.Acquire(limit, Key(i)).Count.Should().Be(2, "live key {0} keeps its bucket", i);
            store.Acquire(limit, Key(i)).Allowed.Should().BeFalse();
        }
    }

    [Test]
    public void Sweep_DropsTheIdleHalf_AndEveryLiveKeyKeepsItsBucket()
    {
        var (store, limit) = HalfIdle();
        store.Count(limit).Should().Be(Keys);
        store.Sweep(limit).Should().Be(Keys / 2);
        store.Count(limit).Should().Be(Keys / 2);
        store.Sweep(limit).Should().Be(0, "nothing more is idle");
        LiveKeysRemembered(store, limit);
        store.Acquire(limit, Key(0)).Count.Should().Be(1, "a dropped key starts as a fresh bucket");
    }

    [Test]
    public void Inserts_ThatDropIdleKeysOnTheWay_KeepEveryLiveKeysBucket()
    {
        var (store, limit) = HalfIdle();
        for (var i = Keys; i < Keys * 3; i++)
        {
            store.Acquire(limit, Key(i)).Allowed.Should().BeTrue();
        }

        LiveKeysRemembered(store, limit);
        store.Count(limit).Should().BeGreaterThanOrEqualTo(Keys * 5 / 2).And.BeLessThanOrEqualTo(Keys * 3);
    }

    [Test]
    public void RefusedNewKey_IsNotStored()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromSeconds(60));
        store.Acquire(limit, Key(1), cost: 2).Allowed.Should().BeFalse();
        store.Count(limit).Should().Be(0);
        store.Acquire(limit, Key(1)).Allowed.Should().BeTrue("the refused request counted nothing");
    }

    [TestCase(64, 64)]
    [TestCase(17, 32)]
    [TestCase(1, 16)]
    public void Cap_IsRoundedUpToEveryShard_AndHoldsExactly(int maxEntries, int stored)
    {
        var store = new MemoryRateLimitStore(_time, maxEntries);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromHours(1));
        for (var i = 0; i < 3000; i++)
        {
            store.Acquire(limit, Key(i)).Allowed.Should().BeTrue();
        }

        store.Count(limit).Should().Be(stored);
        store.Overflows(limit).Should().Be(3000 - stored);
        store.Acquire(limit, Key(0)).Allowed.Should().BeFalse("a stored key keeps its bucket at the cap");
    }

    [Test]
    public void Overflows_CountOnlyNewKeysThatFoundNoRoom()
    {
        var store = new MemoryRateLimitStore(_time, 1);
        var limit = new RateLimit("t", LimitScope.Client, 5, TimeSpan.FromHours(1));
        store.Acquire(limit, Key(0));
        for (var i = 0; i < 3; i++)
        {
            store.Acquire(limit, Key(0)).Allowed.Should().BeTrue();
        }

        store.Overflows(limit).Should().Be(0, "a stored key is found, not added again");
        store.Count(limit).Should().Be(1);
    }

    [Test]
    public void Bytes_StartAtSixtyFourSlotsPerShard_AndGrowWithTheKeys()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromHours(1));
        store.Bytes(limit).Should().Be(24L * 16 * 64);
        MemoryRateLimitStore.BytesPerLimit(1).Should().Be(24L * 16 * 64);
        MemoryRateLimitStore.BytesPerLimit(16 * 64).Should().Be(24L * 16 * 128);
        for (var i = 0; i < Keys; i++)
        {
            store.Acquire(limit, Key(i));
        }

        // 2,000 keys, about 125 a shard, at most half full: 256 or 512 slots a shard.
        store.Bytes(limit).Should().BeGreaterThanOrEqualTo(24L * 16 * 256).And.BeLessThanOrEqualTo(24L * 16 * 512);
    }

    [Test]
    public void GrowingTable_DropsIdleKeysFirst_InsteadOfGrowing()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromSeconds(1));
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 300; i++)
            {
                store.Acquire(limit, Key((round * 300) + i)).Allowed.Should().BeTrue();
            }

            _time.Advance(TimeSpan.FromSeconds(2));
        }

        // 300 live keys, about 19 a shard: 64 slots suffice unless a shard got unlucky (128).
        store.Bytes(limit).Should().BeLessThanOrEqualTo(24L * 16 * 128);
    }
}
