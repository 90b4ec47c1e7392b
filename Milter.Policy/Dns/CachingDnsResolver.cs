using System.Collections.Concurrent;

namespace Milter.Policy.Dns;

/// <summary>
/// A cache in front of a resolver: answers and negative answers (NXDOMAIN, NODATA) are kept for their TTL (the SOA's
/// negative TTL for the negative ones, as the resolver reports it), capped at <see cref="MaxTtl"/>; temporary failures
/// are never kept. Concurrent questions for the same name and type share one query, which runs to its own timeout even
/// when one of the askers gives up. At most <see cref="MaxEntries"/> answers are kept: when full, expired ones are
/// dropped, and if none has expired the new answer is used but not kept.
/// </summary>
public sealed class CachingDnsResolver : IDnsResolver
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromSeconds(1);
    private readonly IDnsResolver _inner;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), Entry> _entries = new();
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), Lazy<Task<DnsAnswer>>> _pending = new();
    private long _nextPurge;

    public CachingDnsResolver(IDnsResolver inner, TimeProvider time, int maxEntries, TimeSpan maxTtl)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTtl, TimeSpan.Zero);
        _inner = inner;
        _time = time;
        MaxEntries = maxEntries;
        MaxTtl = maxTtl;
    }

    public int MaxEntries { get; }

    public TimeSpan MaxTtl { get; }

    /// <summary>Answers held now (expired ones included until purged).</summary>
    public int Count => _entries.Count;

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var key = (name.ToLowerInvariant(), type);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (_time.GetUtcNow() < entry.Expires)
            {
                return new ValueTask<DnsAnswer>(entry.Answer);
            }

            _entries.TryRemove(new KeyValuePair<(string, DnsRecordType), Entry>(key, entry));
        }

        var pending = _pending.GetOrAdd(key, k => new Lazy<Task<DnsAnswer>>(() => AskAsync(k)));
        var task = pending.Value;
        return task.IsCompleted ? new ValueTask<DnsAnswer>(task) : new ValueTask<DnsAnswer>(task.WaitAsync(cancellationToken));
    }

    /// <summary>One query for every asker: not bound to any asker's cancellation (the resolver's timeout ends it).</summary>
    private async Task<DnsAnswer> AskAsync((string Name, DnsRecordType Type) key)
    {
        DnsAnswer answer;
        try
        {
            answer = await _inner.QueryAsync(key.Name, key.Type, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            answer = DnsAnswer.Failed(ex.GetType().Name); // a resolver that throws still fails closed
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }

        Keep(key, answer);
        return answer;
    }

    private void Keep((string Name, DnsRecordType Type) key, DnsAnswer answer)
    {
        var ttl = answer.Ttl < MaxTtl ? answer.Ttl : MaxTtl;
        if (ttl <= TimeSpan.Zero || MaxEntries == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_entries.Count >= MaxEntries && !Purge(now))
        {
            return;
        }

        _entries[key] = new Entry(answer, now + ttl);
    }

    /// <summary>Drops expired answers (at most once a second); true when there is room afterwards.</summary>
    private bool Purge(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        var next = Interlocked.Read(ref _nextPurge);
        if (ticks >= next && Interlocked.CompareExchange(ref _nextPurge, ticks + PurgeInterval.Ticks, next) == next)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.Expires <= now)
                {
                    _entries.TryRemove(new KeyValuePair<(string, DnsRecordType), Entry>(key, entry));
                }
            }
        }

        return _entries.Count < MaxEntries;
    }

    private sealed record Entry(DnsAnswer Answer, DateTimeOffset Expires);
}
