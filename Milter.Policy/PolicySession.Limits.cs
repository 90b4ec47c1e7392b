using System.Globalization;
using Milter.Policy.Access;
using Milter.Policy.Engine;
using Milter.Policy.Leases;

namespace Milter.Policy;

/// <summary>What the flood limits ask of the policy (cf/README FEATURE(ratecontrol)/FEATURE(conncontrol)): exemptions and the limits of <c>ClientRate:</c>/<c>ClientConn:</c> entries.</summary>
public sealed partial class PolicySession
{
    /// <summary>The tag of Sendmail's per-client connection-rate entries (connections per 60 s).</summary>
    public const string ClientRateTag = "clientrate:";

    /// <summary>The tag of Sendmail's per-client open-connection entries.</summary>
    public const string ClientConnTag = "clientconn:";

    /// <summary>
    /// check_relay's <c>Connect:</c> walk (name, then address, CIDR included) ends on OK or RELAY. Sendmail calls
    /// ratecontrol/conncontrol at the end of check_relay, so such clients are never limited there.
    /// </summary>
    public bool ClientIsTrusted()
    {
        var lookup = NewLookup(_engine.Rules.Current, null);
        var hit = ConnectNameWalk(lookup, exactOnly: false) ?? ConnectAddressWalk(lookup);
        return hit is { Action: AccessAction.Ok or AccessAction.Relay };
    }

    /// <summary>
    /// The limit a <c>ClientRate:</c> or <c>ClientConn:</c> entry (<paramref name="tag"/>, lower case) sets for this
    /// client: the address walk (<c>ClientRate:10.1.2.3</c>, <c>…:10.1.2</c>, … tagged keys only), else the empty key
    /// (<c>ClientRate:</c>, the default). Null when there is none or the value is not a number; 0 means unlimited.
    /// </summary>
    public int? FindClientLimit(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var lookup = NewLookup(_engine.Rules.Current, null);
        var hit = AccessWalks.Address(lookup, tag, Client.Address, tagOnly: true, cidr: false) ?? lookup.Find(tag);
        return hit is not null && int.TryParse(hit.Value.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
            ? limit
            : null;
    }

    /// <summary>The lease store's answer for this client (no store or no address: not leased).</summary>
    public ValueTask<LeaseStatus> CheckLeaseAsync(CancellationToken cancellationToken)
    {
        if (_engine.Leases is not { } leases || Client.IPAddress is not { } address)
        {
            return new ValueTask<LeaseStatus>(LeaseStatus.NotLeased);
        }

        return leases.CheckAsync(address, cancellationToken);
    }
}
