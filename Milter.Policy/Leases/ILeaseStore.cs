using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Leases;

/// <summary>
/// DRAC-style "POP-before-SMTP" leases: is there an unexpired lease for this client address?
/// Implementations normalise the address (v4-mapped → IPv4) and check expiry on read.
/// </summary>
public interface ILeaseStore
{
    ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken);

    /// <summary>
    /// The same question for an address already parsed (the policy's client): a store keyed on <see cref="ClientAddress"/>
    /// answers it without making an <see cref="IPAddress"/>; by default it is asked through <see cref="CheckAsync(IPAddress, CancellationToken)"/>.
    /// </summary>
    ValueTask<LeaseStatus> CheckAsync(ClientAddress client, CancellationToken cancellationToken) => CheckAsync(client.ToIPAddress(), cancellationToken);
}
