using System.Globalization;
using Milter.Policy.Access;
using Milter.Policy.Engine;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

/// <summary>What the flood limits ask of the policy (cf/README FEATURE(ratecontrol)/FEATURE(conncontrol)): exemptions and the limits of <c>ClientRate:</c>/<c>ClientConn:</c> entries.</summary>
public sealed partial class PolicySession : ILimitedSession
{
    /// <summary>The tag of Sendmail's per-client connection-rate entries (connections per ConnectionRateWindowSize).</summary>
    public const string ClientRateTag = ILimitedSession.ClientRateTag;

    /// <summary>The tag of Sendmail's per-client open-connection entries.</summary>
    public const string ClientConnTag = ILimitedSession.ClientConnTag;

    // {client_rate} and {client_connections}, kept as fields (no object per session); _countLimits is null until counted.
    private FloodLimits? _countLimits;
    private int _clientRate;
    private int _clientConnections;

    /// <summary>
    /// <c>{client_rate}</c> and <c>{client_connections}</c> of this connection, set by <see cref="LimitGate.Register"/>;
    /// null when the limits (or their <c>AccessEntries</c>) are off: ratecontrol and conncontrol are then not checked.
    /// Made on each read (the session keeps the two numbers, not this record).
    /// </summary>
    public ClientCounts? Counts => _countLimits is { } limits ? new ClientCounts(_clientRate, _clientConnections, limits) : null;

    void ILimitedSession.Count(int rate, int connections, FloodLimits limits)
    {
        _clientRate = rate;
        _clientConnections = connections;
        _countLimits = limits;
    }

    /// <summary>
    /// check_relay's <c>Connect:</c> walk (name, then address, CIDR included) ends on OK or RELAY. Sendmail calls
    /// ratecontrol/conncontrol at the end of check_relay, so such clients are never limited there.
    /// </summary>
    public bool ClientIsTrusted() =>
        EffectiveConnectHit(NewLookup(_engine.Rules.Current, null)) is { Action: AccessAction.Ok or AccessAction.Relay };

    /// <summary>
    /// The limit a <c>ClientRate:</c> or <c>ClientConn:</c> entry (<paramref name="tag"/>, lower case) sets for this
    /// client: the address walk (<c>ClientRate:10.1.2.3</c>, <c>…:10.1.2</c>, … tagged keys only), else the empty key
    /// (<c>ClientRate:</c>, the default). Null when there is none or the value is not a number; 0 means unlimited.
    /// </summary>
    public int? FindClientLimit(string tag) => FindClientLimit(tag, NewLookup(_engine.Rules.Current, null), out _);

    /// <summary>The entry check_relay decides on (name walk, then address walk; SKIP = none), or null.</summary>
    private AccessEntry? EffectiveConnectHit(in Lookup lookup)
    {
        var hit = Client.Name.Length > 0 ? ConnectNameWalk(lookup, exactOnly: false) : null;
        if (hit is null || lookup.IsSkip(hit))
        {
            hit = ConnectAddressWalk(lookup);
        }

        return lookup.IsSkip(hit) ? null : hit;
    }

    private int? FindClientLimit(string tag, in Lookup lookup, out AccessEntry? entry)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        entry = AccessWalks.Address(lookup, tag, Client.Address, tagOnly: true, cidr: false) ?? lookup.Find(tag);
        return entry is not null && int.TryParse(entry.Value.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
            ? limit
            : null;
    }

    /// <summary>
    /// RateControl, then ConnControl (proto.m4): refused when the client's entry sets a limit (not 0) below its count
    /// (<c>arith l</c>). <paramref name="immediate"/>: the nodelay call at connect, before the access lookups (with
    /// delay_checks); otherwise the call at the end of check_relay. Each control runs in exactly one of the two.
    /// </summary>
    private Verdict? ClientControl(PolicyStage stage, RuleSet rules, PolicyTrace? trace, bool immediate)
    {
        if (_countLimits is not { } limits)
        {
            return null;
        }

        var delayed = Compiled.DelayChecks != DelayChecksMode.Off;
        var lookup = NewLookup(rules, trace);
        var rateControl = limits.RateControl;
        if ((delayed && rateControl.NoDelay) == immediate
            && FindClientLimit(ClientRateTag, lookup, out var rateEntry) is > 0 and var rate && rate < _clientRate)
        {
            return Refuse(stage, rateControl.RateReply,
                $"ClientRate: {_clientRate} connections in {limits.ConnectionRateWindow.TotalSeconds:0}s, limit {rate} (ratecontrol)", rules, trace, rateEntry);
        }

        var connControl = limits.ConnControl;
        if ((delayed && connControl.NoDelay) == immediate
            && FindClientLimit(ClientConnTag, lookup, out var connEntry) is > 0 and var conns && conns < _clientConnections)
        {
            return Refuse(stage, connControl.ConnReply,
                $"ClientConn: {_clientConnections} open connections, limit {conns} (conncontrol)", rules, trace, connEntry);
        }

        return null;
    }

    /// <summary>The lease store's answer for this client (no store or no address: not leased).</summary>
    public ValueTask<LeaseStatus> CheckLeaseAsync(CancellationToken cancellationToken)
    {
        if (_engine.Leases is not { } leases || Client.Address.IsNone)
        {
            return new ValueTask<LeaseStatus>(LeaseStatus.NotLeased);
        }

        return leases.CheckAsync(Client.Address, cancellationToken);
    }
}
