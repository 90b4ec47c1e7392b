using System.Collections.Concurrent;
using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Leases;

/// <summary>
/// Process-local lease table: valid iff <c>expiry &gt; now</c> at lookup, default TTL 30 minutes, refresh on re-add,
/// at most <see cref="MaxEntries"/> leases. Its <c>CheckAsync</c> (either overload) always completes synchronously and does not
/// allocate (one <see cref="ConcurrentDictionary{TKey,TValue}"/> read keyed by the 128-bit <see cref="ClientAddress"/>).
/// Also the read cache of the durable stores, which load it at start and update it after each write.
/// </summary>
/// <remarks>
/// Size bound: adding a new address to a full table first drops the expired leases; if none expired, the
/// <c>max(1, MaxEntries / 100)</c> leases closest to expiry (with one TTL for everybody: the oldest logins) are
/// evicted in one pass and reported through the eviction callback. Refreshing an existing lease never evicts.
/// Writes are serialised by one lock (logins are rare next to RCPT checks); reads take no lock.
/// </remarks>
public sealed class InMemoryLeaseStore : ILocalLeaseTable
{
    /// <summary>DRAC's default lease lifetime (rpc.dracd <c>-e</c>, 30 minutes).</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(30);

    /// <summary>Default size bound (about 100 MB of cache with short user names).</summary>
    public const int DefaultMaxEntries = 1_000_000;

    private readonly ConcurrentDictionary<ClientAddress, Entry> _leases;
    private readonly ConcurrentDictionary<string, string> _sources = new(StringComparer.Ordinal);
    private readonly Lock _write = new();
    private readonly TimeProvider _time;
    private readonly Action<int>? _onEvicted;

    /// <param name="timeProvider">Clock (tests: FakeTimeProvider).</param>
    /// <param name="ttl">Lifetime of a lease added without its own TTL.</param>
    /// <param name="maxEntries">Size bound (see remarks).</param>
    /// <param name="onEvicted">Called (under the write lock) with the number of unexpired leases evicted to make room.</param>
    /// <param name="initialCapacity">Leases about to be loaded (a durable store at start): no rehashing while loading.</param>
    public InMemoryLeaseStore(TimeProvider? timeProvider = null, TimeSpan? ttl = null, int maxEntries = DefaultMaxEntries, Action<int>? onEvicted = null, int initialCapacity = 0)
    {
        _leases = new ConcurrentDictionary<ClientAddress, Entry>(Environment.ProcessorCount, Math.Max(31, initialCapacity));
        _time = timeProvider ?? TimeProvider.System;
        Ttl = ttl ?? DefaultTtl;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        MaxEntries = maxEntries;
        _onEvicted = onEvicted;
    }

    public TimeSpan Ttl { get; }

    public int MaxEntries { get; }

    /// <summary>Leases held, expired ones not yet swept included.</summary>
    public int Count => _leases.Count;

    /// <summary>Adds or refreshes the lease of <paramref name="client"/>.</summary>
    public Lease Add(IPAddress client, string source = "api", string? user = null, TimeSpan? ttl = null)
    {
        var key = KeyOf(client);
        return Set(key, _time.GetUtcNow() + (ttl ?? Ttl), source, user);
    }

    /// <summary>Stores a lease with a given expiry (loading a durable store, or its cache after a write).</summary>
    public Lease Set(ClientAddress key, DateTimeOffset expires, string source, string? user)
    {
        if (key.IsNone)
        {
            throw new ArgumentException("not an IPv4/IPv6 address", nameof(key));
        }

        ArgumentNullException.ThrowIfNull(source);
        source = _sources.GetOrAdd(source, source); // a handful of feeds: one string each, not one per lease
        lock (_write)
        {
            MakeRoomLocked(key);
            _leases[key] = new Entry(expires.UtcTicks, source, string.IsNullOrEmpty(user) ? null : user);
        }

        return new Lease(key.ToIPAddress(), new DateTimeOffset(expires.UtcTicks, TimeSpan.Zero), source, string.IsNullOrEmpty(user) ? null : user);
    }

    /// <summary>Stores a lease read from a durable store at start (as <see cref="Set"/>, without building the returned Lease).</summary>
    public void Load(ClientAddress key, DateTimeOffset expires, string source, string? user)
    {
        source = _sources.GetOrAdd(source, source);
        lock (_write)
        {
            MakeRoomLocked(key);
            _leases[key] = new Entry(expires.UtcTicks, source, string.IsNullOrEmpty(user) ? null : user);
        }
    }

    /// <summary>
    /// The addresses adding <paramref name="key"/> would drop as <see cref="Set"/> does (the expired leases, then
    /// <paramref name="evicted"/> of the unexpired ones closest to expiry), without dropping them: a durable store
    /// deletes them in the same transaction as the new lease, then calls <see cref="Drop"/> once that is on disk, so
    /// a failed write loses no lease. Valid until the next write (the durable store serialises its writes).
    /// </summary>
    public IReadOnlyList<ClientAddress> PlanRoomFor(ClientAddress key, out int evicted)
    {
        lock (_write)
        {
            return PlanLocked(key, out evicted);
        }
    }

    /// <summary>Drops what <see cref="PlanRoomFor"/> planned, reporting the <paramref name="evicted"/> unexpired leases.</summary>
    public void Drop(IReadOnlyList<ClientAddress> keys, int evicted)
    {
        ArgumentNullException.ThrowIfNull(keys);
        lock (_write)
        {
            DropLocked(keys, evicted);
        }
    }

    public bool Remove(IPAddress client) => Remove(ClientAddress.FromIPAddress(client));

    public bool Remove(ClientAddress key)
    {
        lock (_write)
        {
            return _leases.TryRemove(key, out var entry) && entry.ExpiresTicks > _time.GetUtcNow().UtcTicks;
        }
    }

    /// <summary>The unexpired lease of <paramref name="key"/>, or null.</summary>
    public Lease? Get(ClientAddress key) =>
        _leases.TryGetValue(key, out var entry) && entry.ExpiresTicks > _time.GetUtcNow().UtcTicks ? entry.ToLease(key) : null;

    /// <summary>Unexpired leases, soonest expiry first.</summary>
    public IReadOnlyList<Lease> List()
    {
        var now = _time.GetUtcNow().UtcTicks;
        return [.. _leases.Where(p => p.Value.ExpiresTicks > now).OrderBy(p => p.Value.ExpiresTicks).Select(p => p.Value.ToLease(p.Key))];
    }

    /// <summary>Drops expired leases; returns how many.</summary>
    public int Sweep() => SweepKeys().Count;

    /// <summary>Drops expired leases; returns their addresses.</summary>
    public IReadOnlyList<ClientAddress> SweepKeys()
    {
        lock (_write)
        {
            return SweepLocked();
        }
    }

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ValueTask<LeaseStatus>(Check(ClientAddress.FromIPAddress(client)));
    }

    public ValueTask<LeaseStatus> CheckAsync(ClientAddress client, CancellationToken cancellationToken) => new(Check(client));

    /// <summary>The RCPT-path read: one dictionary lookup and a clock read.</summary>
    public LeaseStatus Check(ClientAddress client) =>
        _leases.TryGetValue(client, out var entry) && entry.ExpiresTicks > _time.GetUtcNow().UtcTicks ? LeaseStatus.Leased : LeaseStatus.NotLeased;

    ValueTask<Lease> ILeaseTable.AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken) =>
        new(Add(client, source, user, ttl));

    ValueTask<bool> ILeaseTable.RemoveAsync(IPAddress client, CancellationToken cancellationToken) => new(Remove(client));

    ValueTask<Lease?> ILeaseTable.GetAsync(IPAddress client, CancellationToken cancellationToken) => new(Get(ClientAddress.FromIPAddress(client)));

    ValueTask<IReadOnlyList<Lease>> ILeaseTable.ListAsync(CancellationToken cancellationToken) => new(List());

    /// <summary>The table key of an address in any form; throws for a non-IP address.</summary>
    public static ClientAddress KeyOf(IPAddress client)
    {
        var key = ClientAddress.FromIPAddress(client);
        return key.IsNone ? throw new ArgumentException("not an IPv4/IPv6 address", nameof(client)) : key;
    }

    private void MakeRoomLocked(ClientAddress key)
    {
        List<ClientAddress> dropped = PlanLocked(key, out int evicted);
        DropLocked(dropped, evicted);
    }

    /// <summary>Room for a new key in a full table: the expired leases, else also the k soonest to expire (evicted).</summary>
    private List<ClientAddress> PlanLocked(ClientAddress key, out int evicted)
    {
        evicted = 0;
        if (_leases.Count < MaxEntries || _leases.ContainsKey(key))
        {
            return [];
        }

        var now = _time.GetUtcNow().UtcTicks;
        var dropped = new List<ClientAddress>();
        foreach (var pair in _leases)
        {
            if (pair.Value.ExpiresTicks <= now)
            {
                dropped.Add(pair.Key);
            }
        }

        if (_leases.Count - dropped.Count < MaxEntries)
        {
            return dropped;
        }

        // One pass keeping the k soonest expiries in a max-heap: O(n log k), once per k additions at worst.
        var k = Math.Max(1, MaxEntries / 100);
        var heap = new PriorityQueue<ClientAddress, long>(k + 1, Comparer<long>.Create((a, b) => b.CompareTo(a)));
        foreach (var pair in _leases)
        {
            if (pair.Value.ExpiresTicks <= now)
            {
                continue; // already dropped above
            }

            heap.Enqueue(pair.Key, pair.Value.ExpiresTicks);
            if (heap.Count > k)
            {
                heap.Dequeue();
            }
        }

        while (heap.TryDequeue(out var victim, out _))
        {
            dropped.Add(victim);
            evicted++;
        }

        return dropped;
    }

    private void DropLocked(IReadOnlyList<ClientAddress> keys, int evicted)
    {
        foreach (var key in keys)
        {
            _leases.TryRemove(key, out _);
        }

        if (evicted > 0)
        {
            _onEvicted?.Invoke(evicted);
        }
    }

    private List<ClientAddress> SweepLocked()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var removed = new List<ClientAddress>();
        foreach (var pair in _leases)
        {
            if (pair.Value.ExpiresTicks <= now && _leases.TryRemove(pair))
            {
                removed.Add(pair.Key);
            }
        }

        return removed;
    }

    /// <summary>The cached value: 24 bytes inline in the dictionary node, no Lease or IPAddress object per entry.</summary>
    private readonly record struct Entry(long ExpiresTicks, string Source, string? User)
    {
        public Lease ToLease(ClientAddress key) => new(key.ToIPAddress(), new DateTimeOffset(ExpiresTicks, TimeSpan.Zero), Source, User);
    }
}
