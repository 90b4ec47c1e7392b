namespace Milter.Policy.Leases;

/// <summary>
/// A lease table held in this process (memory, or the SQLite store's cache): its size can be read and its expired
/// leases must be purged from time to time. A shared store such as Redis expires its entries itself.
/// </summary>
public interface ILocalLeaseTable : ILeaseTable
{
    /// <summary>Leases held, expired ones not yet swept included.</summary>
    int Count { get; }

    /// <summary>Purges expired leases; returns how many were removed.</summary>
    int Sweep();
}
