using Milter.Policy.Dns;

namespace Milter.Policy;

/// <summary>
/// Sendmail features and settings that change decisions (cf/README FEATURES and ANTI-SPAM CONFIGURATION CONTROL). Plain settable properties so the host can
/// bind them; the engine takes a snapshot at construction.
/// </summary>
public sealed class PolicyOptions
{
    /// <summary>FEATURE(`relay_entire_domain'): hosts and recipients in a class m domain may relay.</summary>
    public bool RelayEntireDomain { get; set; }

    /// <summary>FEATURE(`relay_hosts_only'): relay lookups (class R, To:, client name) match exact host names only.</summary>
    public bool RelayHostsOnly { get; set; }

    /// <summary>FEATURE(`blocklist_recipients'): To: REJECT/ERROR/DISCARD/QUARANTINE act on recipients.</summary>
    public bool BlocklistRecipients { get; set; }

    public DelayChecksMode DelayChecks { get; set; }

    /// <summary>FEATURE(`access_db', , `lookupdotdomain'): also try <c>Tag:.rest</c> after each domain miss.</summary>
    public bool LookupDotDomain { get; set; }

    /// <summary>FEATURE(`access_db', , `relaytofulladdress'): <c>To:user@dom</c> and <c>To:user@</c> may grant RELAY.</summary>
    public bool RelayToFullAddress { get; set; }

    /// <summary>FEATURE(`access_db', , `skip') — Debian's default. When false, SKIP is an unknown value (553 5.3.0 SKIP).</summary>
    public bool AccessSkip { get; set; } = true;

    /// <summary>FEATURE(`loose_relay_check'): do not re-check <c>user%host@relaydomain</c>.</summary>
    public bool LooseRelayCheck { get; set; }

    /// <summary>FEATURE(`accept_unqualified_senders').</summary>
    public bool AcceptUnqualifiedSenders { get; set; }

    /// <summary>
    /// FEATURE(`accept_unresolvable_domains'). False (Sendmail's default): check_mail refuses a sender whose domain has
    /// no A, AAAA or MX record (<c>553 5.1.8 Domain of sender address … does not exist</c>) or cannot be resolved now
    /// (<c>451 4.1.8 … does not resolve</c>), unless a <c>From:</c> entry decides. Needs the engine's resolver.
    /// </summary>
    public bool AcceptUnresolvableDomains { get; set; }

    /// <summary>FEATURE(`dnsbl') and FEATURE(`enhdnsbl') lines, in their order: asked at the end of check_relay. Needs the engine's resolver.</summary>
    public IReadOnlyList<DnsblOptions> Dnsbl { get; set; } = [];

    /// <summary>
    /// TRUST_AUTH_MECH: SASL mechanisms whose authenticated users may relay. Sendmail's default is empty (AUTH grants
    /// nothing); ours is the usual Debian/submission set. Empty list = AUTH never grants relay and the relay-denied
    /// text drops "Proper authentication required.".
    /// </summary>
    public IReadOnlyList<string> TrustedAuthMechanisms { get; set; } = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"];

    /// <summary>The server's own interface addresses: added to class w as <c>[addr]</c> (clients on them may relay).</summary>
    public IReadOnlyList<string> OwnAddresses { get; set; } = [];

    /// <summary><c>$j</c>, the canonical host name: added to class w; its parent domain is class m unless <see cref="HostDomains"/> is set.</summary>
    public string? HostName { get; set; }

    /// <summary>Class m (this host's domains, not class w) for relay_entire_domain and <c>localhost.$m</c>.</summary>
    public IReadOnlyList<string> HostDomains { get; set; } = [];

    public ReplyTexts Replies { get; set; } = new();

    /// <summary>Record every lookup of every decision (costs allocations; sessions can also switch it on one by one).</summary>
    public bool TraceLookups { get; set; }
}
