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
            : FromEntry(hit, stage, Compiled.AccessDenied, rules, trace);
    }

    /// <summary>
    /// Basic_check_mail: <c>&lt;&gt;</c>; the localhost forms only from a client in class w; then the F/U/D
    /// <c>From:</c> search on the address as CanonAddr makes it (an unqualified sender is looked up as <c>user@</c>);
    /// only when that finds nothing is an unqualified sender refused.
    /// </summary>
    private Verdict CheckMail(RuleSet rules, PolicyStage stage, in EnvelopeAddress sender, PolicyTrace? trace, out bool acceptedByEntry)
    {
        acceptedByEntry = false;
        if (sender.IsNullSender)
        {
            return Allow(stage, VerdictAction.Continue, "null sender <> is always accepted (RFC 1123)", rules, trace);
        }

        if (sender.HasDomain && !Compiled.AcceptUnqualifiedSenders && IsLocalhostSender(sender) &&
            Client.Name.Length > 0 && !IsLocalName(rules, Client.Name, trace))
        {
            return Refuse(stage, CompiledPolicy.RealDomainRequired, "localhost sender from a client not in class w", rules, trace);
        }

        var canonical = Canonical(rules, sender, trace);
        var lookup = NewLookup(rules, trace);
        var hit = AccessWalks.Mailbox(lookup, AccessWalks.From, canonical, tagOnly: false, userLookups: true, domainBeforeUser: false, Compiled.LookupDotDomain);
        if (hit is not null)
        {
            acceptedByEntry = hit.Action is AccessAction.Ok or AccessAction.Relay;
            return FromEntry(hit, stage, Compiled.AccessDenied, rules, trace, address: true);
        }

        if (!canonical.HasDomain && !Compiled.AcceptUnqualifiedSenders && Client.RawAddress.Length > 0)
        {
            var reply = new PolicyReply(553, "5.5.4", "Domain name required for sender address " + SenderText(sender));
            return Refuse(stage, reply, "unqualified sender", rules, trace);
        }

        if (SenderDomainVerdict(stage, sender, rules, trace) is { } unresolved)
        {
            return unresolved;
        }

        return Allow(stage, VerdictAction.Continue, "no From: entry", rules, trace);
    }

    /// <summary>
    /// FEATURE(delay_checks): check_rcpt runs the recipient checks first (<paramref name="recipientVerdict"/>: blocklist,
    /// relay); a refusal, DISCARD or QUARANTINE there is the answer. An accept with <c>$#</c> (trusted SMTP AUTH) ends the
    /// checks. Otherwise <c>Spam:</c> decides for friend/hater (FRIEND, or no HATER: accepted without sender and client
    /// checks), then check_mail (a refusal refuses the recipient; From: OK/RELAY accepts it and skips only the client
    /// check), then check_relay.
    /// </summary>
    private Verdict DelayedChecks(RuleSet rules, in EnvelopeAddress rcpt, PolicyTrace? trace, Verdict recipientVerdict)
    {
        if (recipientVerdict.Blocks)
        {
            return recipientVerdict;
        }

        if (Compiled.IsTrusted(AuthMechanism))
        {
            trace?.Note(TraceMaps.Check, "delay_checks", "sender and client checks skipped: trusted SMTP AUTH");
            return recipientVerdict;
        }

        if (Compiled.DelayChecks is DelayChecksMode.Friend or DelayChecksMode.Hater)
        {
            var lookup = NewLookup(rules, trace);
            var spamAddress = Qualified(Canonical(rules, rcpt, trace));
            var local = spamAddress.HasDomain && IsLocalName(rules, spamAddress.Domain, trace);
            var spam = AccessWalks.Mailbox(lookup, AccessWalks.Spam, spamAddress, tagOnly: true, userLookups: local, domainBeforeUser: true, Compiled.LookupDotDomain);
            if (Compiled.DelayChecks == DelayChecksMode.Friend && spam is { Action: AccessAction.Friend })
            {
                trace?.Note(TraceMaps.Check, "delay_checks", "sender and client checks skipped: recipient is a spam FRIEND");
                return recipientVerdict;
            }

            if (Compiled.DelayChecks == DelayChecksMode.Hater && spam is not { Action: AccessAction.Hater })
            {
                trace?.Note(TraceMaps.Check, "delay_checks", "sender and client checks skipped: recipient is not a spam HATER");
                return recipientVerdict;
            }
        }

        if (_message is { HasSender: true } message)
        {
            var mail = CheckMail(rules, PolicyStage.Rcpt, message.Sender, trace, out var accepted);
            if (mail.Blocks)
            {
                return mail;
            }

            if (accepted)
            {
                return Allow(PolicyStage.Rcpt, VerdictAction.Accept, "From: OK/RELAY skips the client check (delay_checks)", rules, trace, rule: mail.DecidedBy);
            }
        }

        var relay = CheckRelay(rules, PolicyStage.Rcpt, trace);
        return relay.Blocks ? relay : recipientVerdict;
    }

    /// <summary>Class w: local-host-names plus localhost, $j and the own addresses.</summary>
    private bool IsLocalName(RuleSet rules, ReadOnlySpan<char> name, PolicyTrace? trace) =>
        !name.IsEmpty && (rules.LocalHostNames.Find(name, trace) is not null || Compiled.ExtraLocalNames.Find(name, trace) is not null);

    private PolicyRule? FindLocalName(RuleSet rules, ReadOnlySpan<char> name, PolicyTrace? trace) =>
        name.IsEmpty ? null : (PolicyRule?)rules.LocalHostNames.Find(name, trace) ?? Compiled.ExtraLocalNames.Find(name, trace);
}
