using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Engine;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

/// <summary>
/// The DNS checks: the DNS lists at the end of check_relay and the sender domain in check_mail. The
/// stages' rulesets stay synchronous: the asynchronous entry points (<see cref="ConnectAsync"/>, <see cref="MailAsync"/>,
/// and <see cref="RcptAsync"/> under delay_checks) first ask DNS what the ruleset will need, once per connection
/// (lists) or per sender (domain), then run it; the rulesets read the answers here. Without a resolver, or through the
/// synchronous entry points, nothing is asked and the checks are skipped (noted in the trace).
/// </summary>
public sealed partial class PolicySession
{
    private DnsblResult[]? _dnsbl;

    /// <summary>check_relay (see <see cref="Connect"/>) with the DNS lists asked first when the ruleset will reach them.</summary>
    public async ValueTask<Verdict> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (Compiled.DelayChecks == DelayChecksMode.Off && DnsblPending(_engine.Rules.Current))
        {
            await AskDnsblAsync(cancellationToken).ConfigureAwait(false);
        }

        return Connect();
    }

    /// <summary>check_mail (see <see cref="Mail"/>) with the sender's domain resolved first when the ruleset may need it.</summary>
    public async ValueTask<Verdict> MailAsync(string? sender, AuthFacts auth = default, CancellationToken cancellationToken = default)
    {
        var parsed = EnvelopeAddress.Parse(sender);
        if (!ConnectRefused && ResolvesSenderDomain(parsed) && _engine.Resolver is { } resolver)
        {
            // Asked for every MAIL (the resolver's cache answers repeats): a temporary failure is not kept.
            var domain = parsed.Domain.ToString();
            var message = Message;
            message.SenderDomain = null;
            message.SenderResolution = await SenderDomainCheck.ResolveAsync(resolver, domain, cancellationToken).ConfigureAwait(false);
            message.SenderDomain = domain;
        }

        return MailParsed(parsed, auth);
    }

    /// <summary>The DNS lists will be asked by check_relay: lists and a resolver exist, nothing asked yet, no <c>Connect:</c> entry decides.</summary>
    private bool DnsblPending(RuleSet rules) =>
        _dnsbl is null && Compiled.Dnsbl.Length > 0 && _engine.Resolver is not null && !Client.Address.IsNone
        && EffectiveConnectHit(NewLookup(rules, null)) is null;

    private async ValueTask AskDnsblAsync(CancellationToken cancellationToken) =>
        _dnsbl = await DnsblCheck.QueryAsync(_engine.Resolver!, Compiled.Dnsbl, Client.Address, cancellationToken).ConfigureAwait(false);

    /// <summary>Under delay_checks check_relay runs at RCPT: the lists are asked there, unless trusted AUTH skips the checks.</summary>
    private async ValueTask<Verdict> RcptAfterDnsblAsync(string? recipient, CancellationToken cancellationToken)
    {
        await AskDnsblAsync(cancellationToken).ConfigureAwait(false);
        return await RcptAsync(recipient, cancellationToken).ConfigureAwait(false);
    }

    private bool DnsblPendingAtRcpt(RuleSet rules) =>
        Compiled.DelayChecks != DelayChecksMode.Off && !Compiled.IsTrusted(AuthMechanism) && DnsblPending(rules);

    /// <summary>
    /// The end of check_relay when no <c>Connect:</c> entry decided (proto.m4 Basic_check_relay): RateControl,
    /// ConnControl, then the DNS lists in their order. Returns the refusal, or continue with <paramref name="reason"/>.
    /// </summary>
    private Verdict RelayTail(PolicyStage stage, RuleSet rules, PolicyTrace? trace, string reason, AccessEntry? skip)
    {
        if (ClientControl(stage, rules, trace, immediate: false) is { } limited)
        {
            return limited;
        }

        if (DnsblVerdict(stage, rules, trace) is { } listed)
        {
            return listed;
        }

        return Allow(stage, VerdictAction.Continue, reason, rules, trace, rule: skip);
    }

    private Verdict? DnsblVerdict(PolicyStage stage, RuleSet rules, PolicyTrace? trace)
    {
        if (Compiled.Dnsbl.Length == 0 || Client.Address.IsNone)
        {
            return null;
        }

        if (_dnsbl is null)
        {
            if (_engine.Resolver is not null)
            {
                trace?.Note(TraceMaps.Check, "dnsbl", "not asked");
            }

            return null; // offline (check, test): no DNS
        }

        foreach (var result in _dnsbl)
        {
            trace?.Note(TraceMaps.Check, "dnsbl " + result.List.Zone, result.Outcome + (result.Answer.Length > 0 ? ": " + result.Answer : string.Empty));
        }

        if (DnsblCheck.Deciding(_dnsbl) is not { } deciding)
        {
            return null;
        }

        var list = deciding.List;
        if (deciding.Outcome == DnsblOutcome.TemporaryFailure)
        {
            return Refuse(stage, DnsblList.Render(list.TemporaryReply, Client.Address), "DNS list " + list.Zone + " could not be asked", rules, trace);
        }

        var reason = "client listed at " + list.Zone + " (" + deciding.Answer + ")";
        return list.Action switch
        {
            DnsblAction.Quarantine => new Verdict(stage, VerdictAction.Quarantine, null, list.Zone, null, reason, rules.Version, trace),
            DnsblAction.Discard => new Verdict(stage, VerdictAction.Discard, null, null, null, reason, rules.Version, trace),
            _ => Refuse(stage, DnsblList.Render(list.Reply, Client.Address), reason, rules, trace),
        };
    }

    /// <summary>Sendmail resolves every sender domain except <c>$j</c> and the localhost forms (canonified to <c>$j</c>).</summary>
    private bool ResolvesSenderDomain(in EnvelopeAddress sender)
    {
        if (Compiled.AcceptUnresolvableDomains || sender.IsNullSender || !sender.HasDomain)
        {
            return false;
        }

        var domain = sender.Domain;
        return !IsLocalhostDomain(domain)
            && !(Compiled.HostName is { Length: > 0 } j && domain.Equals(j, StringComparison.OrdinalIgnoreCase))
            && !domain.Equals("localhost.uucp", StringComparison.OrdinalIgnoreCase)
            && !IsLocalhostInLocalDomain(domain);
    }

    /// <summary>
    /// check_mail's resolve result for a sender no <c>From:</c> entry decided: <c>PERM</c> → 553 5.1.8, <c>TEMP</c> →
    /// 451 4.1.8 (proto.m4 Basic_check_mail), with <c>$&amp;f</c>, the sender as Sendmail shows it.
    /// </summary>
    private Verdict? SenderDomainVerdict(PolicyStage stage, in EnvelopeAddress sender, RuleSet rules, PolicyTrace? trace)
    {
        if (!ResolvesSenderDomain(sender))
        {
            return null;
        }

        if (_message is not { SenderDomain: { } resolved } message || !sender.Domain.Equals(resolved, StringComparison.OrdinalIgnoreCase))
        {
            if (_engine.Resolver is not null)
            {
                trace?.Note(TraceMaps.Check, "resolve", "sender domain not resolved");
            }

            return null; // offline (check, test): no DNS
        }

        trace?.Note(TraceMaps.Check, "resolve " + resolved, message.SenderResolution.ToString());
        return message.SenderResolution switch
        {
            DomainResolution.DoesNotExist => Refuse(stage,
                new PolicyReply(553, "5.1.8", "Domain of sender address " + SenderText(sender) + " does not exist"), "sender domain does not resolve (PERM)", rules, trace),
            DomainResolution.DoesNotResolve => Refuse(stage,
                new PolicyReply(451, "4.1.8", "Domain of sender address " + SenderText(sender) + " does not resolve"), "sender domain lookup failed (TEMP)", rules, trace),
            _ => null,
        };
    }

    /// <summary><c>$&amp;f</c> in a reply: the sender without brackets and quotes (as Sendmail shows it), control characters escaped.</summary>
    private static string SenderText(in EnvelopeAddress sender) => ReplyText.Quote(sender.Bare.Replace("\"", string.Empty, StringComparison.Ordinal));

    /// <summary><c>localhost</c> or a loopback address literal: never resolved (Sendmail canonifies them to <c>$j</c>).</summary>
    private static bool IsLocalhostDomain(ReadOnlySpan<char> domain) =>
        domain.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (domain.Length > 2 && domain[0] == '[' && ClientAddress.TryParse(domain, out var literal) && literal.IsLoopback);

    private bool IsLocalhostInLocalDomain(ReadOnlySpan<char> domain) =>
        domain.StartsWith("localhost.", StringComparison.OrdinalIgnoreCase)
        && Compiled.HostDomains.FindDomainSuffix(domain["localhost.".Length..], exactOnly: true, null) is not null;
}
