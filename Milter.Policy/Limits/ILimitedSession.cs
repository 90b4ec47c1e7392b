using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// What the limits of one session ask of the policy session they guard (the policy session implements it):
/// the client, its exemptions (a <c>Connect:</c> OK or RELAY, a lease) and the limits its <c>ClientRate:</c> and
/// <c>ClientConn:</c> entries set. Declared here so that the limits depend on the policy's answers, not on its class.
/// </summary>
public interface ILimitedSession
{
    /// <summary>The tag of Sendmail's per-client connection-rate entries (connections per ConnectionRateWindowSize).</summary>
    public const string ClientRateTag = "clientrate:";

    /// <summary>The tag of Sendmail's per-client open-connection entries.</summary>
    public const string ClientConnTag = "clientconn:";

    ClientFacts Client { get; }

    /// <summary>The client's <c>Connect:</c> walk ends on OK or RELAY (the <c>ConnectOk</c> exemption).</summary>
    bool ClientIsTrusted();

    /// <summary>The limit a <c>ClientRate:</c> or <c>ClientConn:</c> entry (<paramref name="tag"/>) sets for the client, or null.</summary>
    int? FindClientLimit(string tag);

    /// <summary>The lease store's answer for the client (the <c>Leased</c> exemption).</summary>
    ValueTask<LeaseStatus> CheckLeaseAsync(CancellationToken cancellationToken);

    /// <summary>Gives the session this connection's <c>{client_rate}</c> and <c>{client_connections}</c>, with the limits that say how ratecontrol and conncontrol answer.</summary>
    internal void Count(int rate, int connections, FloodLimits limits);
}
