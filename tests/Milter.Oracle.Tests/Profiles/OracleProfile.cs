using Milter.Oracle.Tests.Scenario;
using Milter.Policy;

namespace Milter.Oracle.Tests.Profiles;

/// <summary>
/// One Sendmail configuration and the milter options that mean the same: the .mc feature lines and
/// <see cref="PolicyOptions"/> built from the same switches. Every profile has <c>FEATURE(`accept_unresolvable_domains')</c>
/// and no DNSBL, so DNS never enters the comparison.
/// </summary>
public sealed record OracleProfile(
    string Name,
    DelayChecksMode DelayChecks = DelayChecksMode.Off,
    bool Skip = true,
    bool BlocklistRecipients = false,
    bool TrustAuthMech = true,
    bool RelayEntireDomain = false,
    bool RelayHostsOnly = false)
{
    /// <summary>The mechanisms of <c>TRUST_AUTH_MECH</c> when the profile has it.</summary>
    public static readonly string[] TrustedMechanisms = ["PLAIN", "LOGIN"];

    /// <summary>check_relay and check_mail run at connect and MAIL (without delay_checks) or from check_rcpt (with it).</summary>
    public bool HasDelayChecks => DelayChecks != DelayChecksMode.Off;

    /// <summary>The .mc lines of this profile's features (after OSTYPE and the private paths), in the order cf/README wants.</summary>
    public IEnumerable<string> FeatureLines(string accessMapPath)
    {
        yield return Skip
            ? $"FEATURE(`access_db', `hash -T<TMPF> -o {accessMapPath}', `skip')dnl"
            : $"FEATURE(`access_db', `hash -T<TMPF> -o {accessMapPath}')dnl";
        switch (DelayChecks)
        {
            case DelayChecksMode.On:
                yield return "FEATURE(`delay_checks')dnl";
                break;
            case DelayChecksMode.Friend:
                yield return "FEATURE(`delay_checks', `friend', `n')dnl";
                break;
            case DelayChecksMode.Hater:
                yield return "FEATURE(`delay_checks', `hater', `n')dnl";
                break;
        }

        if (BlocklistRecipients)
        {
            yield return "FEATURE(`blocklist_recipients')dnl";
        }

        if (RelayEntireDomain)
        {
            yield return "FEATURE(`relay_entire_domain')dnl";
        }

        if (RelayHostsOnly)
        {
            yield return "FEATURE(`relay_hosts_only')dnl";
        }

        if (TrustAuthMech)
        {
            yield return $"TRUST_AUTH_MECH(`{string.Join(' ', TrustedMechanisms)}')dnl";
        }
    }

    /// <summary>
    /// The milter's options for this profile. Class w and m as Sendmail builds them: local-host-names, <c>$j</c>
    /// (<see cref="Vocabulary.HostName"/>, whose parent is class m), <c>localhost</c> (built in), <c>[127.0.0.1]</c>
    /// (Sendmail adds the loopback address even with DontProbeInterfaces). Sendmail adds the short name <c>$w</c> only
    /// when /etc/hosts lists it as an alias of <c>$j</c>, which the oracle's does not. The sender domain check is off on
    /// both sides (<c>accept_unresolvable_domains</c>, <see cref="PolicyOptions.AcceptUnresolvableDomains"/>), and no
    /// resolver, DNS list or ClientRate/ClientConn counts are given to the engine.
    /// </summary>
    public PolicyOptions PolicyOptions() => new()
    {
        DelayChecks = DelayChecks,
        AccessSkip = Skip,
        BlocklistRecipients = BlocklistRecipients,
        RelayEntireDomain = RelayEntireDomain,
        RelayHostsOnly = RelayHostsOnly,
        TrustedAuthMechanisms = TrustAuthMech ? TrustedMechanisms : [],
        AcceptUnresolvableDomains = true, // FEATURE(`accept_unresolvable_domains') in every profile's .mc
        HostName = Vocabulary.HostName,
        OwnAddresses = ["127.0.0.1"],
        TraceLookups = false,
    };

    public override string ToString() => Name;
}
