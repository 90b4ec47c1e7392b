using System.Diagnostics;

namespace Milter.Protocol.Session;

/// <summary>
/// One timer for the read deadlines of every <see cref="MilterSession"/> in the process, as Kestrel's heartbeat
/// checks its connections: a session waiting for bytes writes its deadline into a field; every tick the sessions past
/// theirs are expired (their pending read cancelled, on the thread pool). An idle session thus holds no timer and no
/// cancellation source of its own (about 300 bytes each). The tick is a quarter of the shortest timeout in use,
/// between 10 ms and one second, so deadlines are kept to within that.
/// </summary>
internal sealed class ReadDeadlines
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(10);

    private readonly IntrusiveList<MilterSession> _sessions = new(); // linked through the sessions: no entry per session
    private readonly List<MilterSession> _expired = [];
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private TimeSpan _period = MaxPeriod;

    private ReadDeadlines()
    {
        _timer = TimeProvider.System.CreateTimer(static state => ((ReadDeadlines)state!).Tick(), this, _period, _period);
    }

    public static ReadDeadlines Shared { get; } = new();

    /// <summary>Watches <paramref name="session"/> until <see cref="Remove"/>; <paramref name="shortest"/> is its shortest read timeout.</summary>
    public void Add(MilterSession session, TimeSpan shortest)
    {
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, MinPeriod.Ticks, MaxPeriod.Ticks));
        lock (_lock)
        {
            _sessions.Add(session); // once: a second Add changes nothing
            if (period < _period)
            {
                _period = period;
                _timer.Change(period, period);
            }
        }
    }

    public void Remove(MilterSession session)
    {
        lock (_lock)
        {
            _sessions.Remove(session);
        }
    }

    /// <summary>The sessions watched now (for tests).</summary>
    internal MilterSession[] Snapshot()
    {
        lock (_lock)
        {
            return _sessions.ToArray();
        }
    }

    private void Tick()
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            for (MilterSession? session = _sessions.First; session is not null; session = ((IListLinks<MilterSession>)session).Next)
            {
                if (session.TryExpire(now))
                {
                    _expired.Add(session);
                }
            }

            foreach (MilterSession session in _expired)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.CancelExpiredRead(), session, preferLocal: false);
            }

            _expired.Clear();
        }
    }
}
