namespace Milter.Policy.Dns;

/// <summary>What a listed client gets (the second argument of FEATURE(dnsbl)/FEATURE(enhdnsbl)).</summary>
public enum DnsblAction
{
    /// <summary>Refuse with the list's reply (the default).</summary>
    Reject,

    /// <summary><c>quarantine</c>: accept and quarantine the message, the zone as the reason.</summary>
    Quarantine,

    /// <summary><c>discard</c>: accept and discard the message.</summary>
    Discard,
}

/// <summary>
/// One DNS list, as <c>FEATURE(`dnsbl', `zone', `msg', `t')</c> or, with <see cref="Match"/>,
/// <c>FEATURE(`enhdnsbl', `zone', `msg', `t', `127.0.0.2.', …)</c> (cf/README). Plain settable properties so the host
/// can bind them; <see cref="PolicyOptions"/> lists them in the order Sendmail evaluates its FEATURE lines.
/// </summary>
public sealed class DnsblOptions
{
    /// <summary>The list's zone: the client 1.2.3.4 is looked up as <c>4.3.2.1.ZONE</c> (A record).</summary>
    public string Zone { get; set; } = string.Empty;

    /// <summary>
    /// Reply for a listed client, <c>"NNN D.S.N text"</c>; <c>$&amp;{client_addr}</c> is replaced by the client's address.
    /// Null: Sendmail's <c>550 5.7.1 Rejected: $&amp;{client_addr} listed at ZONE</c>.
    /// </summary>
    public string? Reply { get; set; }

    /// <summary>Reply when the list cannot be asked; null: Sendmail's <c>451 4.4.3 Temporary lookup failure of $&amp;{client_addr} at ZONE</c>.</summary>
    public string? TemporaryReply { get; set; }

    /// <summary>
    /// A list that cannot be asked (timeout, SERVFAIL, …) refuses with <see cref="TemporaryReply"/>: the third argument
    /// <c>t</c>. True by default (fail closed); false is Sendmail's default without <c>t</c> (the list is skipped).
    /// </summary>
    public bool TemporaryFailure { get; set; } = true;

    /// <summary>
    /// enhdnsbl's result patterns (<c>127.0.0.2.</c>, <c>127.0.0.$-.</c>; <c>$-</c> one label, <c>$+</c> one or more,
    /// <c>$*</c> any): listed only when an A record matches one. Empty: any A record lists (dnsbl).
    /// </summary>
    public IReadOnlyList<string> Match { get; set; } = [];

    public DnsblAction Action { get; set; } = DnsblAction.Reject;

    /// <summary>Also ask for IPv6 clients (nibble-reversed under the zone). Sendmail's rules ask for IPv4 clients only.</summary>
    public bool IPv6 { get; set; }
}
