using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Memory;

/// <summary>
/// Gives the garbage collector's free space back to the system once the milter has gone quiet. The collector keeps
/// what a busy period committed (its allocation budget, and the survivors of ephemeral collections copied to older
/// generations) resident until it next collects, and a milter whose MTA holds its connections open but sends
/// nothing never collects: 10,000 idle connections then cost about 1.9 KiB of resident memory each where their
/// objects take about 1.4 KB. So every <see cref="Interval"/> this service asks: was almost nothing allocated in
/// the last interval (<see cref="QuietBytes"/>: no sessions are being served), and were at least
/// <see cref="MinimumSlack"/> allocated since the last trim (there is something to give back)? Then one aggressive,
/// compacting, blocking collection (about 20 ms at 10,000 connections: only ever when nothing is being served).
/// </summary>
internal sealed class IdleMemoryTrimmer : BackgroundService
{
    /// <summary>How often the allocation count is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>At most this many bytes allocated in an interval: the process is quiet.</summary>
    public const long QuietBytes = 256 * 1024;

    /// <summary>At least this many bytes allocated since the last trim: worth a collection.</summary>
    public const long MinimumSlack = 4 * 1024 * 1024;

    private readonly ILogger<IdleMemoryTrimmer> _logger;
    private readonly TimeProvider _time;
    private readonly Func<long> _allocatedBytes;
    private readonly Action _trim;

    public IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger)
        : this(logger, TimeProvider.System, static () => GC.GetTotalAllocatedBytes(), Collect)
    {
    }

    /// <summary>For tests: a clock, an allocation count and a trim of their own.</summary>
    internal IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger, TimeProvider time, Func<long> allocatedBytes, Action trim)
    {
        _logger = logger;
        _time = time;
        _allocatedBytes = allocatedBytes;
        _trim = trim;
    }

    /// <summary>True when the last interval was quiet and enough was allocated since the last trim.</summary>
    public static bool ShouldTrim(long allocatedInInterval, long allocatedSinceTrim) =>
        allocatedInInterval <= QuietBytes && allocatedSinceTrim >= MinimumSlack;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        long last = _allocatedBytes();
        long atTrim = last;
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false))
        {
            long now = _allocatedBytes();
            if (ShouldTrim(now - last, now - atTrim))
            {
                long started = Stopwatch.GetTimestamp();
                _trim();
                Log.MemoryTrimmed(_logger, (now - atTrim) / (1024 * 1024), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                now = _allocatedBytes();
                atTrim = now;
            }

            last = now;
        }
    }

    private static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
