namespace Milter.Protocol.Listening;

/// <summary>
/// A run of the same failure (accepts without file descriptors, refusals at a cap) between two successes: the
/// first event of a run is logged, the rest only counted, and the end is logged once with the count. So a failure
/// that repeats thousands of times a second costs two log lines, not a line (and a stack trace) each.
/// </summary>
internal sealed class Episode(TimeProvider time)
{
    private long _count;
    private long _started;

    public bool Active => _count > 0;

    /// <summary>Counts one event; true when it starts a new episode (log it).</summary>
    public bool Record()
    {
        if (_count++ > 0)
        {
            return false;
        }

        _started = time.GetTimestamp();
        return true;
    }

    /// <summary>Ends the episode; false when none was running.</summary>
    public bool TryEnd(out long count, out double seconds)
    {
        count = _count;
        seconds = count > 0 ? time.GetElapsedTime(_started).TotalSeconds : 0;
        _count = 0;
        return count > 0;
    }
}
