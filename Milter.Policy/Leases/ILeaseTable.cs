using System.Net;

namespace Milter.Policy.Leases;

/// <summary>
/// The writable lease table behind <see cref="ILeaseStore"/>: feeds (DRAC RPC, log follower, admin socket) add and
/// remove leases; the relay decision only reads. Keys are normalised client addresses (v4-mapped → IPv4, any IPv6
/// text form); a new login refreshes the expiry; expiry is checked on every read.
/// </summary>
public interface ILeaseTable : ILeaseStore
{
    /// <summary>Adds or refreshes a lease; returns it once it is stored (for a durable store: once it survives a crash).</summary>
    ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken);

    /// <summary>Removes a lease; false when there was none.</summary>
    ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken);

    /// <summary>The unexpired lease of a client, or null.</summary>
    ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken);

    /// <summary>Every unexpired lease.</summary>
    ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken);
}
