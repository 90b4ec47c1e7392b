using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>A known, intended difference between the milter and Sendmail, kept out of the comparison by a rule.</summary>
/// <param name="Excludes">Sessions the rule takes out of the comparison; null when the generator never produces them.</param>
public sealed record DeliberateDifference(string Name, string Why, Func<OracleProfile, OracleRules, OracleSession, bool>? Excludes = null);

/// <summary>
/// The one list of deliberate differences (issue 12 item 1): each is excluded by rule, never case by case. Rules with
/// no predicate are honoured by <see cref="ScenarioGenerator"/> (it never writes such input; ScenarioGeneratorTests
/// checks that); rules with a predicate make the comparer skip the sessions they match, and the summary counts them.
/// </summary>
public static class DeliberateDifferences
{
    public static IReadOnlyList<DeliberateDifference> All { get; } =
    [
        new("cidr-keys",
            "Connect: CIDR keys (Connect:10.0.0.0/8, Connect:IPv6:2001:db8::/32) are the milter's extension: Sendmail " +
            "matches octet and colon-group prefixes only and would treat the key as a literal that never matches. The " +
            "generator writes no key with '/'."),
        new("dns",
            "DNS is left out: Sendmail runs with FEATURE(accept_unresolvable_domains), no dnsbl/enhdnsbl, no ratecontrol or " +
            "conncontrol, and a private /etc/hosts as its only name source; the milter matches it with " +
            "AcceptUnresolvableDomains=true (its default is Sendmail's, the check on), no DNS lists, no resolver and no " +
            "ClientRate/ClientConn counts (those checks have their own end-to-end tests against real Sendmail and a real DNS " +
            "server). Sendmail's " +
            "host-name canonification ($[ $] on address domains and client names) is DNS's part too: the private " +
            "/etc/hosts names nothing the generator writes except localhost and $j, which the rulesets map to $j anyway."),
        new("parser",
            "Addresses Sendmail's address parser refuses before any check ruleset runs (RCPT TO:<>, unbalanced angle " +
            "brackets or quotes, source routes with commas, 8-bit characters) never reach check_mail/check_rcpt; the " +
            "generator writes none."),
        new("leases",
            "FEATURE(drac) and the milter's lease store (POP-before-SMTP) are not configured on either side."),
    ];

    /// <summary>The first rule that takes the session out of the comparison, or null.</summary>
    public static DeliberateDifference? Excluding(OracleProfile profile, OracleRules rules, OracleSession session) =>
        All.FirstOrDefault(d => d.Excludes is not null && d.Excludes(profile, rules, session));
}
