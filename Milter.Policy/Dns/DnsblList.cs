using Milter.Policy.Model;

namespace Milter.Policy.Dns;

/// <summary>One DNS list as the engine uses it: <see cref="DnsblOptions"/> checked and its replies parsed.</summary>
public sealed class DnsblList
{
    /// <summary>The placeholder Sendmail's default texts use for the client address.</summary>
    public const string ClientAddrMacro = "$&{client_addr}";

    private readonly DnsblPattern[] _patterns;

    /// <summary>Checks and compiles <paramref name="options"/>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public DnsblList(DnsblOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var zone = (options.Zone ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
        if (!IsZone(zone))
        {
            throw new ArgumentException($"Zone: '{options.Zone}' is not a domain name", nameof(options));
        }

        Zone = zone;
        Reply = Template(options.Reply ?? $"550 5.7.1 Rejected: {ClientAddrMacro} listed at {zone}", "Reply", '5');
        TemporaryReply = Template(options.TemporaryReply ?? $"451 4.4.3 Temporary lookup failure of {ClientAddrMacro} at {zone}", "TemporaryReply", '4');
        TemporaryFailure = options.TemporaryFailure;
        Action = options.Action;
        IPv6 = options.IPv6;
        _patterns = new DnsblPattern[options.Match?.Count ?? 0];
        for (var i = 0; i < _patterns.Length; i++)
        {
            if (!DnsblPattern.TryParse(options.Match![i], out var pattern, out var error))
            {
                throw new ArgumentException($"Match:{i}: {error}", nameof(options));
            }

            _patterns[i] = pattern!;
        }
    }

    public string Zone { get; }

    /// <summary>Reply text with <see cref="ClientAddrMacro"/> in it (code and DSN parsed).</summary>
    public PolicyReply Reply { get; }

    public PolicyReply TemporaryReply { get; }

    public bool TemporaryFailure { get; }

    public DnsblAction Action { get; }

    public bool IPv6 { get; }

    /// <summary>enhdnsbl: listed only for these results; empty = any result.</summary>
    public IReadOnlyList<DnsblPattern> Match => _patterns;

    /// <summary>Whether this list is asked about <paramref name="client"/> (IPv4; IPv6 only when <see cref="IPv6"/>).</summary>
    public bool Covers(ClientAddress client) => client.IsIPv4 || (client.IsIPv6 && IPv6);

    /// <summary>The name asked: <c>4.3.2.1.ZONE</c>.</summary>
    public string QueryName(ClientAddress client) => SenderDomainCheck.Reverse(client.ToIPAddress()) + "." + Zone;

    /// <summary>Whether an A answer lists the client: any record (dnsbl), or one matching a pattern (enhdnsbl).</summary>
    public bool Lists(IReadOnlyList<string> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_patterns.Length == 0)
        {
            return records.Count > 0;
        }

        foreach (var record in records)
        {
            foreach (var pattern in _patterns)
            {
                if (pattern.Matches(record))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><paramref name="reply"/> with <c>$&amp;{client_addr}</c> replaced by the client in Sendmail's form.</summary>
    public static PolicyReply Render(PolicyReply reply, ClientAddress client)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Text.Contains(ClientAddrMacro, StringComparison.Ordinal)
            ? new PolicyReply(reply.Code, reply.EnhancedCode, reply.Text.Replace(ClientAddrMacro, client.ToString(), StringComparison.Ordinal))
            : reply;
    }

    private static PolicyReply Template(string text, string name, char replyClass)
    {
        if (!PolicyReply.TryParse(text, out var reply) || reply!.Code / 100 != replyClass - '0')
        {
            throw new ArgumentException($"{name}: '{text}' is not \"{replyClass}NN D.S.N text\"");
        }

        return reply;
    }

    private static bool IsZone(string zone) =>
        zone.Length is > 0 and <= 200 && zone.Split('.').All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
}
