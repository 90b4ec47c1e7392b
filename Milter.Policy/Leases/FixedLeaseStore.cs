using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Leases;

/// <summary>Answers the same status for every address (test cases: <c>lease yes|no|down</c>).</summary>
public sealed class FixedLeaseStore(LeaseStatus status) : ILeaseStore
{
    public LeaseStatus Status { get; } = status;

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => new(Status);

    public ValueTask<LeaseStatus> CheckAsync(ClientAddress client, CancellationToken cancellationToken) => new(Status);
}
