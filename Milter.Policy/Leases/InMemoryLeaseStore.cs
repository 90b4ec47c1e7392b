using System.Collections.Concurrent;
using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Leases;

/// <summary>
/// Process-local lease table: valid iff <c>expiry &gt; now</c> at lookup, default TTL 30 minutes, refresh on re-add.
/// <see cref="CheckAsync"/> always completes synchronously and does not allocate.
/// </summary>
public sealed class InMemoryLeaseStore : ILeaseStore
{
    /// <summary>DRAC's default lease lifetime (spec §2.3: 1800 s).</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<ClientAddress, Lease> _leases = new();
    private readonly TimeProvider _time;

    public InMemoryLeaseStore(TimeProvider? timeProvider = null, TimeSpan? ttl = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        Ttl = ttl ?? DefaultTtl;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Ttl, TimeSpan.Zero);
    }

    public TimeSpan Ttl { get; }

    public int Count => _leases.Count;

    /// <summary>Adds or refreshes the lease of <paramref name="client"/>.</summary>
    public Lease Add(IPAddress client, string source = "api", string? user = null, TimeSpan? ttl = null)
    {
        var key = ClientAddress.FromIPAddress(client);
        if (key.IsNone)
        {
            throw new ArgumentException("not an IPv4/IPv6 address", nameof(client));
        }

        var lease = new Lease(key.ToIPAddress(), _time.GetUtcNow() + (ttl ?? Ttl), source, user);
        _leases[key] = lease;
        return lease;
    }

    public bool Remove(IPAddress client) => _leases.TryRemove(ClientAddress.FromIPAddress(client), out _);

    /// <summary>Unexpired leases.</summary>
    public IReadOnlyList<Lease> List()
    {
        var now = _time.GetUtcNow();
        return [.. _leases.Values.Where(l => l.Expires > now).OrderBy(l => l.Expires)];
    }

    /// <summary>Drops expired leases; returns how many.</summary>
    public int Sweep()
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        foreach (var pair in _leases)
        {
            if (pair.Value.Expires <= now && _leases.TryRemove(pair))
            {
                removed++;
            }
        }

        return removed;
    }

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ValueTask<LeaseStatus>(Check(ClientAddress.FromIPAddress(client)));
    }

    internal LeaseStatus Check(ClientAddress client) =>
        _leases.TryGetValue(client, out var lease) && lease.Expires > _time.GetUtcNow() ? LeaseStatus.Leased : LeaseStatus.NotLeased;
}
