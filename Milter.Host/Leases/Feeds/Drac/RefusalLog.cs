using Microsoft.Extensions.Logging;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// Refused datagrams at a bounded rate: anyone who can reach the UDP port chooses how many refusals there are, so
/// only the first one of each <see cref="Interval"/> is logged in full; the others are counted, and the count is
/// logged as one line when the interval ends (<c>drac: 41234 more datagrams refused in the last 60 s …</c>).
/// </summary>
internal sealed partial class RefusalLog(ILogger logger, TimeProvider time, TimeSpan interval) : IDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private long _windowStart;
    private int _suppressed;
    private ITimer? _flush;

    public TimeSpan Interval => interval;

    /// <summary>One refusal: <paramref name="log"/> writes it when it is the first of its interval; otherwise it is counted.</summary>
    public void Refused(Action<ILogger> log)
    {
        lock (_gate)
        {
            long now = time.GetTimestamp();
            if (_windowStart != 0 && time.GetElapsedTime(_windowStart, now) < interval)
            {
                _suppressed++;
                _flush ??= time.CreateTimer(_ => Flush(), null, interval - time.GetElapsedTime(_windowStart, now), Timeout.InfiniteTimeSpan);
                return;
            }

            _windowStart = now;
        }

        log(logger);
    }

    /// <summary>Logs the count of the refusals not logged one by one, if any (the timer calls it; so does stop).</summary>
    public void Flush()
    {
        int count;
        lock (_gate)
        {
            count = _suppressed;
            _suppressed = 0;
            _flush?.Dispose();
            _flush = null;
        }

        if (count > 0)
        {
            Log.Suppressed(logger, count, interval.TotalSeconds);
        }
    }

    public void Dispose() => Flush();
}
