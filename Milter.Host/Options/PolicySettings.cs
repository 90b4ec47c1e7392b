using System.ComponentModel.DataAnnotations;
using System.Net;
using Milter.Policy;

namespace Milter.Host.Options;

/// <summary>
/// Settings under <c>Milter:Policy</c>: Sendmail's features and the texts an admin may change. Each maps onto
/// <see cref="PolicyOptions"/>; <see cref="Validate"/> names the setting that is wrong.
/// </summary>
public sealed class PolicySettings
{
    public const string Section = "Milter:Policy";

    /// <summary>FEATURE(relay_entire_domain): class R domains relay for every host below them.</summary>
    public bool RelayEntireDomain { get; set; }

    /// <summary>FEATURE(relay_hosts_only): relay lookups match whole host names only.</summary>
    public bool RelayHostsOnly { get; set; }

    /// <summary>FEATURE(blocklist_recipients): To: entries may refuse local recipients.</summary>
    public bool BlocklistRecipients { get; set; }

    /// <summary>FEATURE(delay_checks): Off, On, Friend or Hater.</summary>
    public string DelayChecks { get; set; } = "Off";

    /// <summary>FEATURE(lookupdotdomain).</summary>
    public bool LookupDotDomain { get; set; }

    /// <summary>FEATURE(relaytofulladdress).</summary>
    public bool RelayToFullAddress { get; set; }

    /// <summary>The SKIP value in the access file (Debian builds have it).</summary>
    public bool AccessSkip { get; set; } = true;

    /// <summary>FEATURE(loose_relay_check).</summary>
    public bool LooseRelayCheck { get; set; }

    /// <summary>FEATURE(accept_unqualified_senders).</summary>
    public bool AcceptUnqualifiedSenders { get; set; }

    /// <summary>
    /// FEATURE(accept_unresolvable_domains): false (Sendmail's default) refuses senders whose domain has no A, AAAA or MX
    /// record (553 5.1.8) or cannot be resolved now (451 4.1.8), through the resolver of <c>Milter:Dns</c>.
    /// </summary>
    public bool AcceptUnresolvableDomains { get; set; }

    /// <summary>FEATURE(dnsbl) / FEATURE(enhdnsbl) lists, asked in this order at the end of check_relay.</summary>
    [Length(0, 100)]
    public DnsblSettings[] Dnsbl { get; set; } = [];

    /// <summary>The milter asks DNS (a resolver is needed).</summary>
    public bool UsesDns => !AcceptUnresolvableDomains || Dnsbl.Length > 0;

    /// <summary>SMTP AUTH mechanisms that grant relaying (Sendmail's TRUST_AUTH_MECH); empty = AUTH grants nothing.</summary>
    [Length(0, 100)]
    public string[] TrustedAuthMechanisms { get; set; } = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"];

    /// <summary>This server's own addresses: clients connecting from them may relay, as Sendmail allows.</summary>
    [Length(0, 1000)]
    public string[] OwnAddresses { get; set; } = [];

    /// <summary>The host's name (<c>$j</c>); default: the machine's name.</summary>
    public string? HostName { get; set; }

    /// <summary>
    /// Class m: this host's domains, for which FEATURE(relay_entire_domain) relays (client names and recipient domains);
    /// none set = the parent domain of <see cref="HostName"/>. Not class w (<c>Milter:Rules:LocalDomains</c>).
    /// </summary>
    public string[]? HostDomains { get; set; }

    /// <summary>
    /// The old name of <see cref="HostDomains"/>, which read like class w: still honoured, with a warning at start
    /// (<see cref="Deprecations"/>); setting both is an error.
    /// </summary>
    public string[]? LocalDomains { get; set; }

    /// <summary>Reply texts, each <c>ddd d.d.d text</c>.</summary>
    public ReplySettings Replies { get; set; } = new();

    /// <summary>Record every lookup of every live decision (costs allocations; check/test always trace).</summary>
    public bool TraceLookups { get; set; }

    public IEnumerable<string> Validate()
    {
        if (!Enum.TryParse(DelayChecks, ignoreCase: true, out DelayChecksMode _))
        {
            yield return $"{Section}:DelayChecks: '{DelayChecks}' is not one of Off, On, Friend, Hater";
        }

        for (int i = 0; i < OwnAddresses.Length; i++)
        {
            if (!IPAddress.TryParse(OwnAddresses[i], out _))
            {
                yield return $"{Section}:OwnAddresses:{i}: '{OwnAddresses[i]}' is not an IP address";
            }
        }

        for (int i = 0; i < TrustedAuthMechanisms.Length; i++)
        {
            if (!IsSaslMechanism(TrustedAuthMechanisms[i]))
            {
                yield return $"{Section}:TrustedAuthMechanisms:{i}: '{TrustedAuthMechanisms[i]}' is not a SASL mechanism name (1 to 20 of A-Z 0-9 - _, RFC 4422)";
            }
        }

        if (HostName is not null && !IsDomainName(HostName))
        {
            yield return $"{Section}:HostName: '{HostName}' is not a host name";
        }

        foreach ((string key, string[]? domains) in new[] { (nameof(HostDomains), HostDomains), (nameof(LocalDomains), LocalDomains) })
        {
            for (int i = 0; i < domains?.Length; i++)
            {
                if (!IsDomainName(domains[i]))
                {
                    yield return $"{Section}:{key}:{i}: '{domains[i]}' is not a domain name";
                }
            }
        }

        if (HostDomains is not null && LocalDomains is not null)
        {
            yield return $"{Section}:{nameof(LocalDomains)}: the old name of {Section}:{nameof(HostDomains)}, which is set too; keep only {nameof(HostDomains)}";
        }

        for (int i = 0; i < Dnsbl.Length; i++)
        {
            foreach (string problem in Dnsbl[i].Validate($"{Section}:Dnsbl:{i}"))
            {
                yield return problem;
            }
        }

        foreach ((string name, string value) in Replies.All())
        {
            if (!ReplySettings.IsReply(value))
            {
                yield return $"{Section}:Replies:{name}: '{value}' is not 'ddd d.d.d text' with a 4xx or 5xx code and a matching class";
            }
        }
    }

    /// <summary>One line per deprecated key in use, naming the key that replaces it.</summary>
    public IEnumerable<string> Deprecations()
    {
        if (LocalDomains is not null && HostDomains is null)
        {
            yield return $"{Section}:{nameof(LocalDomains)} is deprecated: it is class m, now {Section}:{nameof(HostDomains)} (class w stays Milter:Rules:LocalDomains); rename the key";
        }
    }

    private static bool IsSaslMechanism(string? name) =>
        name is { Length: >= 1 and <= 20 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>What Sendmail can hold in a class: one word of at most 253 characters, no control characters, no brackets.</summary>
    private static bool IsDomainName(string? name) =>
        name is { Length: >= 1 and <= 253 } && name.All(c => c > ' ' && c != 0x7f && c is not ('[' or ']' or '@' or '<' or '>'));

    public PolicyOptions ToPolicyOptions()
    {
        var options = new PolicyOptions
        {
            RelayEntireDomain = RelayEntireDomain,
            RelayHostsOnly = RelayHostsOnly,
            BlocklistRecipients = BlocklistRecipients,
            DelayChecks = Enum.Parse<DelayChecksMode>(DelayChecks, ignoreCase: true),
            LookupDotDomain = LookupDotDomain,
            RelayToFullAddress = RelayToFullAddress,
            AccessSkip = AccessSkip,
            LooseRelayCheck = LooseRelayCheck,
            AcceptUnqualifiedSenders = AcceptUnqualifiedSenders,
            AcceptUnresolvableDomains = AcceptUnresolvableDomains,
            Dnsbl = [.. Dnsbl.Select(d => d.ToOptions())],
            TrustedAuthMechanisms = TrustedAuthMechanisms,
            OwnAddresses = OwnAddresses,
            HostName = HostName,
            HostDomains = HostDomains ?? LocalDomains ?? [],
            TraceLookups = TraceLookups,
        };
        Replies.ApplyTo(options.Replies);
        return options;
    }
}
