using System.Net;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Host.Metrics;

/// <summary>
/// The configured lease table with its adds counted (<c>milter.leases.added</c>, tag <c>source</c>) and its size
/// observed (<c>milter.leases.entries</c>); every call goes straight to <see cref="Inner"/>.
/// </summary>
internal sealed class MeteredLeaseTable : ILeaseTable, IDisposable
{
    private readonly MilterMetrics _metrics;

    public MeteredLeaseTable(ILeaseTable inner, MilterMetrics metrics)
    {
        Inner = inner;
        _metrics = metrics;
        metrics.ObserveLeases(() => Local?.Count); // Redis: none (a SCAN per scrape is not worth it)
    }

    /// <summary>The store itself.</summary>
    public ILeaseTable Inner { get; }

    /// <summary>The store when it is held in this process (its size, its sweep); null for a shared store.</summary>
    public ILocalLeaseTable? Local => Inner as ILocalLeaseTable;

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => Inner.CheckAsync(client, cancellationToken);

    public ValueTask<LeaseStatus> CheckAsync(ClientAddress client, CancellationToken cancellationToken) => Inner.CheckAsync(client, cancellationToken);

    public async ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        Lease lease = await Inner.AddAsync(client, source, user, ttl, cancellationToken).ConfigureAwait(false);
        _metrics.LeaseAdded(source);
        return lease;
    }

    public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken) => Inner.RemoveAsync(client, cancellationToken);

    public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => Inner.GetAsync(client, cancellationToken);

    public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => Inner.ListAsync(cancellationToken);

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
