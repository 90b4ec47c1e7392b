namespace Milter.Policy.Leases;

/// <summary>Answer of an <see cref="ILeaseStore"/> for one client address.</summary>
public enum LeaseStatus
{
    NotLeased,
    Leased,

    /// <summary>The store cannot answer; a relay decision that needed the lease becomes <c>451 4.3.0</c>.</summary>
    Unavailable,
}
