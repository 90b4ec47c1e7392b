using Milter.Policy.Access;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

/// <summary>
/// Addresses as Sendmail's check rulesets see them (issue 12 item 3): CanonAddr (ruleset 3 <c>canonify</c> and
/// <c>Parse0</c>) before any access lookup, and FullAddr for the <c>Spam:</c> lookups. Host-name canonification through
/// DNS (<c>$[ $]</c>) is not done: the milter has no resolver here, and a DNS answer is not policy.
/// </summary>
public sealed partial class PolicySession
{
    private const int MaxCanonDepth = 8;

    /// <summary>
    /// CanonAddr: <c>user%host</c> (no @) becomes <c>user@host</c>, <c>host!user</c> becomes <c>user@host.UUCP</c>
    /// (<c>user@host</c> for a dotted host); <c>localhost</c>, <c>localhost.$m</c>, <c>localhost.UUCP</c> and an address
    /// literal in class w become <c>$j</c>; <c>user@</c> is <c>user</c>; a local part with <c>@ % !</c> in a class w
    /// domain is parsed again on its own (<c>a%b@local</c> is <c>a@b</c>). Trailing dots are gone (the rulesets strip
    /// them). Allocates only when it rewrites.
    /// </summary>
    private EnvelopeAddress Canonical(RuleSet rules, in EnvelopeAddress address, PolicyTrace? trace, int depth = 0)
    {
        if (address.IsNullSender || depth >= MaxCanonDepth)
        {
            return address;
        }

        var local = address.Local;
        if (!address.HasDomain || address.Domain.IsEmpty)
        {
            if (address.HasDomain)
            {
                return Rewritten(rules, local.ToString(), trace, depth);
            }

            var bang = local.IndexOf('!');
            if (bang > 0 && bang < local.Length - 1)
            {
                var host = local[..bang];
                var suffix = host.Contains('.') ? string.Empty : ".UUCP";
                return Rewritten(rules, string.Concat(local[(bang + 1)..], "@", host, suffix), trace, depth);
            }

            var percent = local.LastIndexOf('%');
            return percent > 0 && percent < local.Length - 1
                ? Rewritten(rules, string.Concat(local[..percent], "@", local[(percent + 1)..]), trace, depth)
                : address;
        }

        var domain = address.Domain;
        var toHostName = Compiled.HostName is not null &&
            (IsLocalhostName(domain) || (domain[0] == '[' && IsLocalName(rules, domain, trace)));
        var canonicalDomain = toHostName ? Compiled.HostName.AsSpan() : domain;
        if (local.IndexOfAny('@', '%', '!') >= 0 && IsLocalName(rules, canonicalDomain, trace))
        {
            return Rewritten(rules, local.ToString(), trace, depth);
        }

        if (!toHostName)
        {
            return address;
        }

        trace?.Note(TraceMaps.Check, "canonify", domain.ToString() + " is " + Compiled.HostName);
        return EnvelopeAddress.Parse(string.Concat(local, "@", Compiled.HostName));
    }

    private EnvelopeAddress Rewritten(RuleSet rules, string text, PolicyTrace? trace, int depth)
    {
        trace?.Note(TraceMaps.Check, "canonify", "parsed again as " + text);
        return Canonical(rules, EnvelopeAddress.Parse(text), trace, depth + 1);
    }

    /// <summary>Canonify2's <c>localhost</c>, <c>localhost.$m</c>, <c>localhost.UUCP</c> (case-insensitive).</summary>
    private bool IsLocalhostName(ReadOnlySpan<char> domain)
    {
        if (domain.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (domain.Length <= "localhost.".Length || !domain.StartsWith("localhost.", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = domain["localhost.".Length..];
        return rest.Equals("UUCP", StringComparison.OrdinalIgnoreCase) ||
            (Compiled.HostDomain is { } m && rest.Equals(m, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// check_mail's "real domain name required" forms, matched on the address as written (before canonify):
    /// <c>localhost</c>, <c>[127.0.0.1]</c>, <c>[IPv6:0:0:0:0:0:0:0:1]</c>, <c>[IPv6:::1]</c>, <c>localhost.$m</c>, <c>localhost.UUCP</c>.
    /// </summary>
    private bool IsLocalhostSender(in EnvelopeAddress sender)
    {
        var domain = sender.DomainAsWritten;
        return IsLocalhostName(domain) ||
            domain.Equals("[127.0.0.1]", StringComparison.OrdinalIgnoreCase) ||
            domain.Equals("[IPv6:0:0:0:0:0:0:0:1]", StringComparison.OrdinalIgnoreCase) ||
            domain.Equals("[IPv6:::1]", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>FullAddr (delay_checks' <c>Spam:</c> lookups): an unqualified address gets <c>@$j</c>.</summary>
    private EnvelopeAddress Qualified(in EnvelopeAddress canonical) =>
        canonical.HasDomain || canonical.IsNullSender || Compiled.HostName is null
            ? canonical
            : EnvelopeAddress.Parse(string.Concat(canonical.Local, "@", Compiled.HostName));
}
