namespace Milter.Policy.Limits;

/// <summary>
/// Sendmail's connection rate per client (ratectrl.c <c>client_rate</c>), the <c>{client_rate}</c> that <c>ClientRate:</c>
/// entries are compared with: the window (ConnectionRateWindowSize, 60 s by default) is cut into 6 buckets of
/// window / 6 whole seconds (10 s when that is 0); a connection counts in the bucket of its time, every connection,
/// refused or not; the rate is the sum of this bucket and the 5 before it, this connection included. So a
/// connection stops counting between 5/6 of the window and the whole window after it was made. Bounded: at most
/// <see cref="MaxEntries"/> clients; when full, clients with no connection in the window are dropped, and if none is
/// idle the new client is counted for this connection only (Sendmail's fixed table forgets colliding clients too).
/// </summary>
public sealed class ConnectionRateWindow
{
    public const int BucketCount = 6;

    private readonly Dictionary<(ulong, ulong), Bucket[]> _clients = [];
    private readonly TimeProvider _time;
    private readonly long _granularity;

    public ConnectionRateWindow(TimeSpan window, TimeProvider time, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _time = time;
        _granularity = (long)window.TotalSeconds / BucketCount;
        if (_granularity <= 0)
        {
            _granularity = 10; // ratectrl.c: ChtGran <= 0 → 10
        }

        MaxEntries = maxEntries;
    }

    /// <summary>Seconds per bucket (window / 6).</summary>
    public long GranularitySeconds => _granularity;

    public int MaxEntries { get; }

    /// <summary>Clients held now.</summary>
    public int Clients
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>Counts a connection of <paramref name="key"/> now; returns its connections in the window, this one included.</summary>
    public int Add(in LimitKey key)
    {
        var ticks = Ticks();
        lock (_clients)
        {
            if (!_clients.TryGetValue((key.Hi, key.Lo), out var buckets))
            {
                if (_clients.Count >= MaxEntries && !Purge(ticks))
                {
                    return 1;
                }

                buckets = new Bucket[BucketCount];
                _clients.Add((key.Hi, key.Lo), buckets);
            }

            ref var current = ref buckets[ticks % BucketCount];
            if (current.Ticks != ticks)
            {
                current = new Bucket(ticks, 0);
            }

            current = current with { Count = current.Count + 1 };
            return Sum(buckets, ticks);
        }
    }

    /// <summary>The connections of <paramref name="key"/> in the window now, without counting one.</summary>
    public int Count(in LimitKey key)
    {
        var ticks = Ticks();
        lock (_clients)
        {
            return _clients.TryGetValue((key.Hi, key.Lo), out var buckets) ? Sum(buckets, ticks) : 0;
        }
    }

    private long Ticks() => _time.GetUtcNow().ToUnixTimeSeconds() / _granularity;

    private static int Sum(Bucket[] buckets, long ticks)
    {
        var count = 0;
        foreach (var bucket in buckets)
        {
            // ratectrl.c counts ticks - 6 as well, but only right after the update that reuses its bucket: the same.
            if (bucket.Ticks <= ticks && bucket.Ticks > ticks - BucketCount)
            {
                count += bucket.Count;
            }
        }

        return count;
    }

    private bool Purge(long ticks)
    {
        foreach (var (key, buckets) in _clients)
        {
            if (Sum(buckets, ticks) == 0)
            {
                _clients.Remove(key);
            }
        }

        return _clients.Count < MaxEntries;
    }

    private readonly record struct Bucket(long Ticks, int Count);
}
