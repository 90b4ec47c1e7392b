using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Milter.Host.Memory;
using NUnit.Framework;

namespace Milter.Host.Tests.Memory;

public class IdleMemoryTrimmerTests
{
    private const long MiB = 1024 * 1024;

    [TestCase(0, 4 * MiB, true)]
    [TestCase(256 * 1024, 10 * MiB, true)]
    [TestCase(256 * 1024 + 1, 10 * MiB, false)]
    [TestCase(0, 4 * MiB - 1, false)]
    [TestCase(8 * MiB, 100 * MiB, false)]
    public void Trims_OnlyWhenTheIntervalWasQuiet_AndEnoughWasAllocatedSinceTheLastTrim(long inInterval, long sinceTrim, bool trims) =>
        IdleMemoryTrimmer.ShouldTrim(inInterval, sinceTrim).Should().Be(trims);

    [Test]
    public async Task QuietAfterABusyPeriod_TrimsOnce_AndAgainOnlyAfterTheNextBusyPeriod()
    {
        await using var rig = await Rig.StartAsync();
        await rig.TickAsync(rig.Allocated + (10 * MiB)); // busy: sessions are served
        await rig.TickAsync(rig.Allocated);              // quiet: trim
        await rig.TickAsync(rig.Allocated);              // still quiet: nothing new to give back
        rig.Trims.Should().Be(1);

        await rig.TickAsync(rig.Allocated + (6 * MiB));
        await rig.TickAsync(rig.Allocated + 1024);
        await rig.TickAsync(rig.Allocated);
        rig.Trims.Should().Be(2);
    }

    [Test]
    public async Task SteadyTraffic_IsNeverInterrupted()
    {
        await using var rig = await Rig.StartAsync();
        for (int i = 0; i < 6; i++)
        {
            await rig.TickAsync(rig.Allocated + (2 * MiB));
        }

        rig.Trims.Should().Be(0, "a collection only ever runs when nothing is being served");
    }

    [Test]
    public async Task QuietWithLittleAllocated_DoesNotCollect()
    {
        await using var rig = await Rig.StartAsync();
        await rig.TickAsync(rig.Allocated + MiB);
        for (int i = 0; i < 4; i++)
        {
            await rig.TickAsync(rig.Allocated);
        }

        rig.Trims.Should().Be(0);
    }

    /// <summary>The trimmer on a fake clock and allocation count; each tick waits until the loop has read the count of the next one.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly SemaphoreSlim _reads = new(0);
        private readonly IdleMemoryTrimmer _trimmer;
        private long _allocated = 100 * MiB;
        private int _trims;

        private Rig()
        {
            _trimmer = new IdleMemoryTrimmer(NullLogger<IdleMemoryTrimmer>.Instance, _time, Read, () => Interlocked.Increment(ref _trims));
        }

        public long Allocated => Interlocked.Read(ref _allocated);

        /// <summary>Trims done by the iterations whose count was read before the last tick.</summary>
        public int Trims => Volatile.Read(ref _trims);

        public static async Task<Rig> StartAsync()
        {
            var rig = new Rig();
            await rig._trimmer.StartAsync(CancellationToken.None);
            await rig.WaitForReadAsync(); // the count at start
            return rig;
        }

        /// <summary>The count becomes <paramref name="allocated"/>, an interval passes, and the previous iteration is over.</summary>
        public async Task TickAsync(long allocated)
        {
            Interlocked.Exchange(ref _allocated, allocated);
            while (_reads.CurrentCount > 0)
            {
                await _reads.WaitAsync(); // the read after a trim
            }

            _time.Advance(IdleMemoryTrimmer.Interval);
            await WaitForReadAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _trimmer.StopAsync(CancellationToken.None);
            _trimmer.Dispose();
            _reads.Dispose();
        }

        private long Read()
        {
            long value = Interlocked.Read(ref _allocated);
            _reads.Release();
            return value;
        }

        private async Task WaitForReadAsync() =>
            (await _reads.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("the trimmer reads the count at every tick");
    }
}
