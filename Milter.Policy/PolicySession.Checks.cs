using Milter.Policy.Access;
using Milter.Policy.Engine;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

public sealed partial class PolicySession
{
    /// <summary>Basic_check_relay: D walk on <c>{client_name}</c>, then A walk on <c>{client_addr}</c>.</summary>
    private Verdict CheckRelay(RuleSet rules, PolicyStage stage, PolicyTrace? trace)
    {
        var lookup = NewLookup(rules, trace);
        AccessEntry? hit = null;
        if (Client.Name.Length > 0)
        {
            hit = ConnectNameWalk(lookup, exactOnly: false);
            if (lookup.IsSkip(hit))
            {
                hit = null;
            }
        }

        if (hit is null)
        {
            hit = ConnectAddressWalk(lookup);
            if (lookup.IsSkip(hit))
            {
                return RelayTail(stage, rules, trace, "Connect: SKIP", hit);
            }
        }

        return hit is null
            ? RelayTail(stage, rules, trace, "no Connect: entry", null)
            : FromEntry(hit, stage, _policy.AccessDenied, rules, trace);
    }

    /// <summary>Basic_check_mail: <c>&lt;&gt;</c>, localhost senders, From: F/U/D, unqualified senders.</summary>
    private Verdict CheckMail(RuleSet rules, PolicyStage stage, in EnvelopeAddress sender, PolicyTrace? trace, out bool acceptedByEntry)
    {
        acceptedByEntry = false;
        if (sender.IsNullSender)
        {
            return Built(stage, VerdictAction.Continue, "null sender <> is always accepted (RFC 1123)", rules, trace);
        }

        if (sender.HasDomain && IsLocalhostDomain(sender.Domain) && !IsLocalName(rules, Client.Name, trace))
        {
            return Refuse(stage, CompiledPolicy.RealDomainRequired, "localhost sender from a client not in class w", rules, trace);
        }

        var lookup = NewLookup(rules, trace);
        var hit = AccessWalks.Mailbox(lookup, AccessWalks.From, sender, tagOnly: false, userLookups: true, domainBeforeUser: false, _policy.LookupDotDomain);
        if (hit is not null && !lookup.IsSkip(hit))
        {
            acceptedByEntry = hit.Action is AccessAction.Ok or AccessAction.Relay;
            return FromEntry(hit, stage, _policy.AccessDenied, rules, trace);
        }

        if (!sender.HasDomain && !(Client.Address.IsNone && Client.IsLocal) && !_policy.AcceptUnqualifiedSenders)
        {
            var reply = new SmtpReply(553, "5.5.4", "Domain name required for sender address " + SenderText(sender));
            return Refuse(stage, reply, "unqualified sender", rules, trace);
        }

        if (SenderDomainVerdict(stage, sender, rules, trace) is { } unresolved)
        {
            return unresolved;
        }

        return Built(stage, VerdictAction.Continue, hit is null ? "no From: entry" : "From: SKIP", rules, trace, rule: hit);
    }

    /// <summary>
    /// FEATURE(delay_checks) inside check_rcpt: skipped for trusted AUTH; friend/hater via <c>Spam:</c>; then check_mail
    /// (an error rejects the recipient, From: OK/RELAY accepts it) and check_relay. Null = go on with check_rcpt.
    /// </summary>
    private Verdict? DelayedChecks(RuleSet rules, in EnvelopeAddress rcpt, PolicyTrace? trace)
    {
        if (_policy.IsTrusted(_auth))
        {
            trace?.Note(TraceMaps.Check, "delay_checks", "skipped: trusted SMTP AUTH");
            return null;
        }

        if (_policy.DelayChecks is DelayChecksMode.Friend or DelayChecksMode.Hater)
        {
            var lookup = NewLookup(rules, trace);
            var local = rcpt.HasDomain && IsLocalName(rules, rcpt.Domain, trace);
            var spam = AccessWalks.Mailbox(lookup, AccessWalks.Spam, rcpt, tagOnly: true, userLookups: local, domainBeforeUser: true, dotDomain: false);
            if (_policy.DelayChecks == DelayChecksMode.Friend && spam is { Action: AccessAction.Friend })
            {
                trace?.Note(TraceMaps.Check, "delay_checks", "skipped: recipient is a spam FRIEND");
                return null;
            }

            if (_policy.DelayChecks == DelayChecksMode.Hater && spam is not { Action: AccessAction.Hater })
            {
                trace?.Note(TraceMaps.Check, "delay_checks", "skipped: recipient is not a spam HATER");
                return null;
            }
        }

        if (_hasSender)
        {
            var mail = CheckMail(rules, PolicyStage.Rcpt, _sender, trace, out var accepted);
            if (mail.Blocks || accepted)
            {
                return accepted && !mail.Blocks
                    ? Built(PolicyStage.Rcpt, VerdictAction.Accept, "From: OK/RELAY accepts the recipient (delay_checks)", rules, trace, rule: mail.DecidedBy)
                    : mail;
            }
        }

        var relay = CheckRelay(rules, PolicyStage.Rcpt, trace);
        return relay.Blocks ? relay : null;
    }

    private static bool IsLocalhostDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return domain.Length > 2 && domain[0] == '[' && ClientAddress.TryParse(domain, out var literal) && literal.IsLoopback;
    }

    /// <summary>Class w: local-host-names plus localhost, $j and the own addresses.</summary>
    private bool IsLocalName(RuleSet rules, ReadOnlySpan<char> name, PolicyTrace? trace) =>
        !name.IsEmpty && (rules.LocalHostNames.Find(name, trace) is not null || _policy.ExtraLocalNames.Find(name, trace) is not null);

    private PolicyRule? FindLocalName(RuleSet rules, ReadOnlySpan<char> name, PolicyTrace? trace) =>
        name.IsEmpty ? null : (PolicyRule?)rules.LocalHostNames.Find(name, trace) ?? _policy.ExtraLocalNames.Find(name, trace);
}
