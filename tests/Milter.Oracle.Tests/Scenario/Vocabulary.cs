namespace Milter.Oracle.Tests.Scenario;

/// <summary>
/// The names, addresses and access values the generator draws from. Rule files and sessions use the same pools, so
/// most sessions hit some entry (at any walk level) while others miss them all. The world: Sendmail's host is
/// <see cref="HostName"/> (<c>$j</c>), 192.0.2.10 is one of its addresses when a rule file lists <c>[192.0.2.10]</c>
/// in local-host-names.
/// </summary>
internal static class Vocabulary
{
    /// <summary><c>$j</c>; its parent <c>test.example</c> is <c>$m</c> (class m).</summary>
    public const string HostName = "mta.test.example";

    /// <summary><c>$w</c>: not in class w (the private /etc/hosts does not name it), so a recipient domain like any other.</summary>
    public const string ShortHostName = "mta";

    public static readonly string[] RemoteDomains =
    [
        "example.com", "mail.example.com", "smtp.mail.example.com", "example.org", "lists.example.org", "spam.example",
        "notspam.example", "bulk.spam.example", "partner.test", "mx1.partner.test", "friend.example", "hater.example",
        "remote.example", "shop.example.co",
    ];

    /// <summary>Candidates for relay-domains (class R): domains, IPv4 octet prefixes and a full address, an IPv6 prefix.</summary>
    public static readonly string[] RelayDomainEntries =
        ["relayed.example", "partner.test", "mx1.partner.test", "10.1", "198.51.100.7", "203.0.113", "IPv6:2001:db8:2"];

    /// <summary>Domains a relay-domains file may list; recipients in them relay (with their subdomains unless relay_hosts_only).</summary>
    public static readonly string[] RelayedDomains = ["relayed.example", "mx.relayed.example", "partner.test", "mx1.partner.test"];

    /// <summary>Candidates for local-host-names (class w) besides the always present <c>example.net</c>.</summary>
    public static readonly string[] LocalNameEntries = ["mail.example.net", "[192.0.2.10]", "lists.example.org"];

    /// <summary>Class m (<c>$m</c> = test.example) and hosts in it (relay_entire_domain).</summary>
    public static readonly string[] ClassMDomains = ["test.example", "host.test.example", "h1.sub.test.example"];

    /// <summary>What check_mail treats as localhost: only a client in class w may use them.</summary>
    public static readonly string[] LocalhostDomains =
        ["localhost", "LocalHost", "localhost.test.example", "localhost.uucp", "[127.0.0.1]", "[IPv6:0:0:0:0:0:0:0:1]", "[IPv6:::1]"];

    public static readonly string[] TopLevelDomains = ["com", "example", "test", "org"];

    public static readonly string[] Users = ["alice", "bob", "carol", "postmaster", "abuse", "spammer", "info", "Dave.Smith"];

    public static readonly string[] Details = ["news", "x", "lists"];

    public static readonly string[] IPv4Clients =
    [
        "192.0.2.1", "192.0.2.2", "192.0.2.5", "192.0.2.9", "192.0.2.10", "198.51.100.7", "198.51.100.8", "203.0.113.5",
        "10.1.2.3", "10.1.9.9", "10.20.30.40", "127.0.0.2",
    ];

    /// <summary>IPv6 clients in Sendmail's <c>{client_addr}</c> form (uncompressed, <c>IPv6:</c> prefix).</summary>
    public static readonly string[] IPv6Clients =
        ["IPv6:2001:db8:1:0:0:0:0:5", "IPv6:2001:db8:1:0:0:0:0:6", "IPv6:2001:db8:2:0:0:0:0:25", "IPv6:2001:db8:0:0:0:0:0:1"];

    public static readonly string[] ClientNames =
    [
        "mx.spam.example", "host.example.com", "mail.partner.test", "client.notspam.example", "relay.relayed.example",
        "h1.test.example", "gw.example.org", "mta.test.example", "unknown-host.example.co", "mail.example.net",
    ];

    /// <summary>Keys of the <c>Connect:</c> address walk besides the client addresses themselves.</summary>
    public static readonly string[] AddressPrefixes =
    [
        "192.0.2", "192.0", "192", "10.1", "10", "198.51.100", "203.0.113", "127.0.0", "127.0.0.2",
        "IPv6:2001:db8:1", "IPv6:2001:db8", "IPv6:2001:db8:2:0:0:0:0:25", "IPv6:2001:db8:1::5",
    ];

    /// <summary>Keys of the <c>Connect:</c> name walk on a bracketed, unresolved client name.</summary>
    public static readonly string[] LiteralKeys = ["[192.0.2.5]", "[192.0.2]", "[198.51.100.8]", "[IPv6:2001:db8:1]", "[10.1.2.3]"];

    /// <summary>Texts of ERROR: values, quoted and unquoted, with and without codes, punctuation included.</summary>
    public static readonly string[] ErrorValues =
    [
        "ERROR:\"550 Go away\"", "ERROR:550 Go away", "ERROR:5.7.1:\"550 Go away\"", "ERROR:5.7.1:550 Go away",
        "ERROR:\"550 5.7.1 Go away\"", "ERROR:5.7.1:\"550 5.7.0 Text code wins\"", "ERROR:\"553 5.7.1\"", "ERROR:\"550\"",
        "ERROR:550", "ERROR:\"450 Try again later\"", "ERROR:4.7.1:\"450 Greylisted, come back\"", "ERROR:\"451 4.3.2 Busy\"",
        "ERROR:\"No code here\"", "ERROR:5.7.1:\"No code here\"", "ERROR:\"550 Spam, not welcome!\"", "ERROR:550 Spam, not welcome!",
        "ERROR:550 Contact <postmaster@example.net>", "ERROR:550 Blocked (see policy) now", "ERROR:\"550  two  spaces\"",
        "error:550 lower case keyword", "ERROR:5.1.1:\"550 User unknown: gone\"", "ERROR:550 5.7.1 Mail from you: refused",
    ];

    public static readonly string[] QuarantineValues =
        ["QUARANTINE:held for review", "QUARANTINE:suspicious sender", "QUARANTINE:\"quoted reason\"", "QUARANTINE:spam, maybe"];

    /// <summary>Values the rulesets do not know: Sendmail answers them as a generic error.</summary>
    public static readonly string[] OddValues = ["550 Deprecated bare code", "550 5.7.1 Deprecated with dsn", "MAYBE", "FRIEND", "ok", "Reject"];
}
