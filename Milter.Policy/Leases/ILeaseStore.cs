using System.Net;

namespace Milter.Policy.Leases;

/// <summary>
/// DRAC-style "POP-before-SMTP" leases: is there an unexpired lease for this client address?
/// Implementations normalise the address (v4-mapped → IPv4) and check expiry on read.
/// </summary>
public interface ILeaseStore
{
    ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken);
}
