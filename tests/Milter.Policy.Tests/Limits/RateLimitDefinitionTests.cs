using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// What a rate limit accepts and means: its bounds (each refused with the argument named), its text, its GCRA ticks on
/// any clock, and what the memory store refuses to be asked.
/// </summary>
public sealed class RateLimitDefinitionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static LimitKey Key => LimitKey.ForClient(ClientAddress.FromIPv4(0xC0000201u))!.Value;

    [TestCase(" ", 1, 1, 60_000, "name")]
    [TestCase("t", 0, 1, 60_000, "count")]
    [TestCase("t", 1, 0, 60_000, "burst")]
    [TestCase("t", 1, 1, 0, "period")]
    public void Constructor_OutOfBounds_IsRefusedNamingTheArgument(string name, int count, int burst, int periodMs, string argument)
    {
        var act = () => new RateLimit(name, LimitScope.Client, count, TimeSpan.FromMilliseconds(periodMs), burst);
        act.Should().Throw<ArgumentException>().WithParameterName(argument);
    }

    [Test]
    public void Constructor_PeriodOverAWeek_IsRefused_AndAWeekIsTaken()
    {
        var act = () => new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromDays(7) + TimeSpan.FromTicks(1));
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("period");
        new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromDays(7)).Period.Should().Be(RateLimit.MaxPeriod);
    }

    [Test]
    public void WithCount_Zero_IsRefused()
    {
        var limit = new RateLimit("t", LimitScope.Client, 5, TimeSpan.FromMinutes(1));
        var act = () => limit.WithCount(0);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void ToString_NamesRatePeriodBurstScope_AndAudit()
    {
        new RateLimit("ClientMessageRate", LimitScope.Client, 10, TimeSpan.FromSeconds(90), burst: 3).ToString()
            .Should().Be("ClientMessageRate: 10/90s burst 3 by Client");
        new RateLimit("MailBomb", LimitScope.SenderRecipient, 2, TimeSpan.FromMilliseconds(1500), audit: true).ToString()
            .Should().Be("MailBomb: 2/1.5s burst 2 by SenderRecipient (audit)");
    }

    [Test]
    public void GcraTicks_FollowTheClockAskedFor_EvenAfterAnotherClock()
    {
        var limit = new RateLimit("t", LimitScope.Client, 10, TimeSpan.FromSeconds(60), burst: 4);
        limit.GcraTicks(1_000).Should().Be((6_000L, 24_000L));
        limit.GcraTicks(1_000_000).Should().Be((6_000_000L, 24_000_000L));
        limit.GcraTicks(1_000).Should().Be((6_000L, 24_000L));
    }

    [Test]
    public void FreshKey_AskingMoreThanTheBurst_IsRefusedWithNothingCounted()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 1, TimeSpan.FromSeconds(60));
        store.Acquire(limit, Key, cost: 2).Should().Be(new RateDecision(false, 0, TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void Store_ZeroEntries_IsRefused()
    {
        var act = () => new MemoryRateLimitStore(_time, maxEntries: 0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxEntries");
    }

    [Test]
    public void Store_NoLimitOrNoCost_IsRefused()
    {
        var store = new MemoryRateLimitStore(_time);
        var limit = new RateLimit("t", LimitScope.Client, 5, TimeSpan.FromSeconds(60));
        store.Invoking(s => s.Acquire(null!, Key)).Should().Throw<ArgumentNullException>().WithParameterName("limit");
        store.Invoking(s => s.Acquire(limit, Key, cost: 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("cost");
        store.Count(limit).Should().Be(0);
    }

    [TestCase(1024, 128)]
    [TestCase(1025, 256)]
    [TestCase(1040, 256)]
    public void BytesPerLimit_IsTwiceTheKeysPerShard_RoundedUpToAPowerOfTwo(int maxEntries, int slotsPerShard) =>
        MemoryRateLimitStore.BytesPerLimit(maxEntries).Should().Be(24L * 16 * slotsPerShard);

    [Test]
    public void Table_ZeroEntries_IsRefused_AndTheCapIsRoundedUpToTheShards()
    {
        var act = () => new GcraTable(0);
        act.Should().Throw<ArgumentOutOfRangeException>();
        new GcraTable(17).MaxEntries.Should().Be(32);
        new GcraTable(16).MaxEntries.Should().Be(16);
    }
}
