using System.Net;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// How many new leases one DRAC caller may add: a token bucket per caller address holding one minute's worth
/// (<c>NewLeasesPerMinute</c>), refilled continuously. A refresh of an address that has a lease takes no token, so
/// a POP server's re-registrations are free; a flood of new addresses from one caller stops at its rate and cannot
/// fill the table and evict the other sources' leases. At most <see cref="MaxCallers"/> callers are tracked (full
/// buckets are forgotten first); beyond that a new caller is refused (fail closed).
/// </summary>
internal sealed class CallerRateLimit(int perMinute, TimeProvider time)
{
    public const int MaxCallers = 1024;

    private readonly Dictionary<IPAddress, (double Tokens, long Stamp)> _buckets = [];
    private readonly Lock _gate = new();

    /// <summary>0: no limit.</summary>
    public int PerMinute => perMinute;

    /// <summary>Takes one token of <paramref name="caller"/>; false when it has none left.</summary>
    public bool TryTake(IPAddress caller)
    {
        if (perMinute <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            long now = time.GetTimestamp();
            double tokens = perMinute;
            if (_buckets.TryGetValue(caller, out (double Tokens, long Stamp) bucket))
            {
                tokens = Math.Min(perMinute, bucket.Tokens + (time.GetElapsedTime(bucket.Stamp, now).TotalMinutes * perMinute));
            }
            else if (_buckets.Count >= MaxCallers && !Forget(now))
            {
                return false;
            }

            if (tokens < 1)
            {
                _buckets[caller] = (tokens, now);
                return false;
            }

            _buckets[caller] = (tokens - 1, now);
            return true;
        }
    }

    // Drops the callers whose buckets have refilled (they are as good as new); true when there is room now.
    private bool Forget(long now)
    {
        foreach ((IPAddress caller, (double tokens, long stamp)) in _buckets.ToList())
        {
            if (tokens + (time.GetElapsedTime(stamp, now).TotalMinutes * perMinute) >= perMinute)
            {
                _buckets.Remove(caller);
            }
        }

        return _buckets.Count < MaxCallers;
    }
}
