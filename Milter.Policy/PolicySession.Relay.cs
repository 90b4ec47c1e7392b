using Milter.Policy.Access;
using Milter.Policy.Engine;
using Milter.Policy.Leases;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

public sealed partial class PolicySession
{
    private const int MaxParseRecipientDepth = 8;

    /// <summary>Basic_check_rcpt: <c>&lt;&gt;</c> refused, Rcpt_ok, then Relay_ok, else relaying denied.</summary>
    private ValueTask<Verdict> CheckRcptAsync(RuleSet rules, EnvelopeAddress rcpt, PolicyTrace? trace, CancellationToken cancellationToken)
    {
        if (rcpt.IsNullSender)
        {
            return new ValueTask<Verdict>(Refuse(PolicyStage.Rcpt, CompiledPolicy.UserAddressRequired, "empty recipient", rules, trace));
        }

        if (RcptOk(rules, rcpt, trace, 0) is { } decided)
        {
            return new ValueTask<Verdict>(decided);
        }

        // Relay_ok, part 1: local client, class R address prefix.
        if (Client.IsLocal)
        {
            trace?.Note(TraceMaps.Check, "client_addr", "local (empty, 0, 127.0.0.1 or ::1)");
            return new ValueTask<Verdict>(Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client originated locally", rules, trace));
        }

        if (rules.RelayDomains.FindAddressPrefix(Client.Address, trace) is { } prefix)
        {
            return new ValueTask<Verdict>(Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client address in class R", rules, trace, rule: prefix));
        }

        // FEATURE(drac): the lease store; synchronous stores never leave this path.
        if (_engine.Leases is { } leases && !Client.Address.IsNone)
        {
            var pending = leases.CheckAsync(Client.Address, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return AwaitLeaseAsync(pending, rules, trace);
            }

            return new ValueTask<Verdict>(RelayOkAfterLease(rules, trace, pending.Result));
        }

        return new ValueTask<Verdict>(RelayOkAfterLease(rules, trace, null));
    }

    private async ValueTask<Verdict> AwaitLeaseAsync(ValueTask<LeaseStatus> pending, RuleSet rules, PolicyTrace? trace)
    {
        LeaseStatus status;
        try
        {
            status = await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            status = LeaseStatus.Unavailable;
        }

        return RelayOkAfterLease(rules, trace, status);
    }

    /// <summary>Relay_ok after the lease: Connect: A walk (RELAY only), [addr] in class w, client_resolve, client name.</summary>
    private Verdict RelayOkAfterLease(RuleSet rules, PolicyTrace? trace, LeaseStatus? lease)
    {
        if (lease is { } status)
        {
            trace?.Note(TraceMaps.Lease, Client.RawAddress, status.ToString());
            if (status == LeaseStatus.Leased)
            {
                return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client holds a valid lease (drac)", rules, trace);
            }
        }

        var lookup = NewLookup(rules, trace);
        var hit = ConnectAddressWalk(lookup);
        if (hit is { Action: AccessAction.Relay })
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "Connect: RELAY on the client address", rules, trace, rule: hit);
        }

        if (!Client.Address.IsNone)
        {
            Span<char> literal = stackalloc char[ClientAddress.MaxFormattedLength + 2];
            literal[0] = '[';
            var end = 1 + Client.Address.Format(literal[1..]);
            literal[end++] = ']';
            if (FindLocalName(rules, literal[..end], trace) is { } own)
            {
                return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client address is one of ours ([addr] in class w)", rules, trace, rule: own);
            }
        }

        var unavailable = lease == LeaseStatus.Unavailable;
        var resolve = Client.Resolve;
        if (resolve is ClientResolve.Temp or ClientResolve.Forged or ClientResolve.Fail)
        {
            if (unavailable)
            {
                return Refuse(PolicyStage.Rcpt, Compiled.TemporaryFailure, "lease store unavailable", rules, trace);
            }

            var reply = resolve switch
            {
                ClientResolve.Temp => new PolicyReply(450, "4.4.0", "Relaying temporarily denied. Cannot resolve PTR record for " + Client.Address),
                ClientResolve.Forged => new PolicyReply(550, "5.7.1", "Relaying denied. IP name possibly forged " + Client.Name),
                _ => new PolicyReply(550, "5.7.1", "Relaying denied. IP name lookup failed " + Client.Name),
            };
            return Refuse(PolicyStage.Rcpt, reply, "relay attempt from a client whose name did not resolve ({client_resolve})", rules, trace);
        }

        if (Client.Name.Length > 0 && !Client.NameIsLiteral && RelayByName(rules, lookup, trace) is { } byName)
        {
            return byName;
        }

        return unavailable
            ? Refuse(PolicyStage.Rcpt, Compiled.TemporaryFailure, "lease store unavailable", rules, trace)
            : Refuse(PolicyStage.Rcpt, Compiled.RelayDenied, "relaying denied: no rule allows this client to relay", rules, trace);
    }

    private Verdict? RelayByName(RuleSet rules, in Lookup lookup, PolicyTrace? trace)
    {
        var name = Client.Name.AsSpan();
        if (FindLocalName(rules, name, trace) is { } local)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client name in class w", rules, trace, rule: local);
        }

        if (Compiled.RelayEntireDomain && Compiled.HostDomains.FindDomainSuffix(name, exactOnly: false, trace) is { } domain)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client name in a class m domain (relay_entire_domain)", rules, trace, rule: domain);
        }

        if (rules.RelayDomains.FindDomainSuffix(name, Compiled.RelayHostsOnly, trace) is { } relay)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "client name in class R", rules, trace, rule: relay);
        }

        var hit = ConnectNameWalk(lookup, Compiled.RelayHostsOnly);
        return hit is { Action: AccessAction.Relay }
            ? Allow(PolicyStage.Rcpt, VerdictAction.Accept, "Connect: RELAY on the client name", rules, trace, rule: hit)
            : null;
    }

    /// <summary>
    /// Rcpt_ok (proto.m4 SRcpt_ok) on the address as CanonAddr makes it: ParseRecipient, blocklist_recipients, trusted AUTH,
    /// class w / class m, class R / To: RELAY, local user. Returns the verdict when decided, null to go on with Relay_ok.
    /// </summary>
    private Verdict? RcptOk(RuleSet rules, in EnvelopeAddress written, PolicyTrace? trace, int depth)
    {
        var rcpt = Canonical(rules, written, trace);
        var lookup = NewLookup(rules, trace);
        var local = rcpt.Local;
        if (rcpt.HasDomain && !Compiled.LooseRelayCheck && depth < MaxParseRecipientDepth &&
            local.IndexOfAny('@', '%', '!') >= 0 && RelayAuthorizedDomain(lookup, rcpt.Domain, trace))
        {
            var inner = EnvelopeAddress.Parse(local.ToString());
            trace?.Note(TraceMaps.Check, "ParseRecipient", "re-checking " + inner.Raw);
            return RcptOk(rules, inner, trace, depth + 1);
        }

        if (Compiled.BlocklistRecipients)
        {
            var isLocal = rcpt.HasDomain && IsLocalName(rules, rcpt.Domain, trace);
            var hit = AccessWalks.Mailbox(lookup, AccessWalks.To, rcpt, tagOnly: false, userLookups: isLocal, domainBeforeUser: false, Compiled.LookupDotDomain);
            if (hit is not null && hit.Action is not (AccessAction.Ok or AccessAction.Relay) && !lookup.IsSkip(hit))
            {
                return FromEntry(hit, PolicyStage.Rcpt, Compiled.RecipientRejected, rules, trace, address: true);
            }
        }

        if (Compiled.IsTrusted(AuthMechanism))
        {
            trace?.Note(TraceMaps.Check, "{auth_type}", AuthMechanism + " is trusted (TRUST_AUTH_MECH)");
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "authenticated with a trusted mechanism", rules, trace);
        }

        if (!rcpt.HasDomain)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "unqualified recipient is a local user", rules, trace);
        }

        return RelayToDomain(rules, lookup, rcpt, trace);
    }

    private Verdict? RelayToDomain(RuleSet rules, in Lookup lookup, in EnvelopeAddress rcpt, PolicyTrace? trace)
    {
        var domain = rcpt.Domain;
        if (FindLocalName(rules, domain, trace) is { } local)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "recipient domain is in class w (local)", rules, trace, rule: local);
        }

        if (Compiled.RelayEntireDomain && Compiled.HostDomains.FindDomainSuffix(domain, exactOnly: false, trace) is { } entire)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "recipient domain in class m (relay_entire_domain)", rules, trace, rule: entire);
        }

        if (rules.RelayDomains.FindDomainSuffix(domain, Compiled.RelayHostsOnly, trace) is { } relay)
        {
            return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "recipient domain in class R", rules, trace, rule: relay);
        }

        AccessEntry? hit = null;
        if (Compiled.RelayToFullAddress)
        {
            hit = AccessWalks.Compose(lookup, AccessWalks.To, rcpt.Local, "@", domain, tagOnly: false);
        }

        hit ??= AccessWalks.Domain(lookup, AccessWalks.To, domain, tagOnly: false, Compiled.LookupDotDomain, Compiled.RelayHostsOnly);
        if (hit is null && Compiled.RelayToFullAddress)
        {
            hit = AccessWalks.Compose(lookup, AccessWalks.To, rcpt.Local, "@", default, tagOnly: false);
        }

        return hit is { Action: AccessAction.Relay }
            ? Allow(PolicyStage.Rcpt, VerdictAction.Accept, "To: RELAY for the recipient", rules, trace, rule: hit)
            : null;
    }

    /// <summary>
    /// ParseRecipient's "authorized" domains, whose local part is parsed again (<c>user%host@domain</c>): class R, class m
    /// with relay_entire_domain, <c>To:</c> RELAY (exact with relay_hosts_only). Class w needs none: CanonAddr has done it.
    /// </summary>
    private bool RelayAuthorizedDomain(in Lookup lookup, ReadOnlySpan<char> domain, PolicyTrace? trace)
    {
        if (lookup.Rules.RelayDomains.FindDomainSuffix(domain, Compiled.RelayHostsOnly, trace) is not null)
        {
            return true;
        }

        if (Compiled.RelayEntireDomain && Compiled.HostDomains.FindDomainSuffix(domain, exactOnly: false, trace) is not null)
        {
            return true;
        }

        return AccessWalks.Domain(lookup, AccessWalks.To, domain, tagOnly: false, Compiled.LookupDotDomain, Compiled.RelayHostsOnly)
            is { Action: AccessAction.Relay };
    }
}
