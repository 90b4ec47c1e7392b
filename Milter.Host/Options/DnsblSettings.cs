using Milter.Policy.Dns;

namespace Milter.Host.Options;

/// <summary>One entry of <c>Milter:Policy:Dnsbl</c>: a DNS list as Sendmail's FEATURE(dnsbl) / FEATURE(enhdnsbl).</summary>
public sealed class DnsblSettings
{
    /// <summary>The list's zone (<c>zen.example.org</c>).</summary>
    public string Zone { get; set; } = string.Empty;

    /// <summary><c>ddd d.d.d text</c> with <c>$&amp;{client_addr}</c>; default Sendmail's <c>550 5.7.1 Rejected: $&amp;{client_addr} listed at ZONE</c>.</summary>
    public string? Reply { get; set; }

    /// <summary>Default Sendmail's <c>451 4.4.3 Temporary lookup failure of $&amp;{client_addr} at ZONE</c>.</summary>
    public string? TemporaryReply { get; set; }

    /// <summary>True: a list that cannot be asked tempfails (FEATURE's <c>t</c>); false: it is skipped (Sendmail's default).</summary>
    public bool TemporaryFailure { get; set; } = true;

    /// <summary>enhdnsbl's result patterns (<c>127.0.0.2.</c>, <c>127.0.0.$-.</c>); empty = any result (dnsbl).</summary>
    public string[] Match { get; set; } = [];

    /// <summary><c>Reject</c>, <c>Quarantine</c> or <c>Discard</c>.</summary>
    public string Action { get; set; } = nameof(DnsblAction.Reject);

    /// <summary>Also ask for IPv6 clients (Sendmail's rules ask for IPv4 clients only).</summary>
    public bool IPv6 { get; set; }

    internal IEnumerable<string> Validate(string path)
    {
        if (!Enum.TryParse(Action, ignoreCase: true, out DnsblAction _) || int.TryParse(Action, out _))
        {
            yield return $"{path}:Action: '{Action}' is not Reject, Quarantine or Discard";
            yield break;
        }

        bool repliesOk = true;
        foreach ((string name, string? value, char code) in new[] { (nameof(Reply), Reply, '5'), (nameof(TemporaryReply), TemporaryReply, '4') })
        {
            // The longest client address Sendmail writes (IPv6: and 8 groups of 4) in place of the macro.
            if (value is not null && (!value.StartsWith(code) || !ReplySettings.IsReply(value.Replace(DnsblList.ClientAddrMacro, "IPv6:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", StringComparison.Ordinal))))
            {
                repliesOk = false;
                yield return $"{path}:{name}: '{value}' is not 'ddd d.d.d text' with a {code}xx code and a matching class";
            }
        }

        if (!repliesOk)
        {
            yield break;
        }

        string? problem = null;
        try
        {
            _ = new DnsblList(ToOptions());
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message.Replace(" (Parameter 'options')", string.Empty, StringComparison.Ordinal);
        }

        if (problem is not null)
        {
            yield return $"{path}:{problem}";
        }
    }

    internal DnsblOptions ToOptions() => new()
    {
        Zone = Zone,
        Reply = Reply,
        TemporaryReply = TemporaryReply,
        TemporaryFailure = TemporaryFailure,
        Match = Match,
        Action = Enum.Parse<DnsblAction>(Action, ignoreCase: true),
        IPv6 = IPv6,
    };
}
