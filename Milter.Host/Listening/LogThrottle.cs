using System.Diagnostics;

namespace Milter.Host.Listening;

/// <summary>
/// At most one log line per interval for an event a peer can repeat at will (a malformed request per connection):
/// the next line carries how many were left out.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private long _next;
    private int _suppressed;

    /// <summary>True when a line may be written now (<paramref name="suppressed"/> left out since the last); false: counted.</summary>
    public bool TryEnter(out int suppressed)
    {
        long now = Stopwatch.GetTimestamp();
        long next = Volatile.Read(ref _next);
        if (now < next || Interlocked.CompareExchange(ref _next, now + (long)(interval.TotalSeconds * Stopwatch.Frequency), next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return true;
    }
}
