using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;

namespace Milter.Host.Options;

/// <summary>
/// Settings under <c>Milter:Dns</c>: the resolver of the sender domain check and the DNS lists. Every query ends within
/// <c>TimeoutMilliseconds × (Retries + 1)</c> plus <see cref="QuerySlackMilliseconds"/>; the start refuses settings under
/// which a stage's queries (two at MAIL for the sender domain) could outlast <c>Milter:Listener:HandlerTimeoutSeconds</c>
/// (the defaults: 2 × 3.1 s inside 8 s). Answers are cached per TTL (negative ones per the SOA), at most
/// <see cref="CacheSize"/> of them, none longer than <see cref="MaxCacheTtlSeconds"/>.
/// </summary>
public sealed class DnsSettings
{
    public const string Section = "Milter:Dns";

    /// <summary>DNS servers, <c>IP</c> or <c>IP:PORT</c> (<c>[IPv6]:PORT</c>); empty: the nameserver lines of /etc/resolv.conf.</summary>
    public string[] Servers { get; set; } = [];

    /// <summary>Slack on top of the tries that the resolver's deadline allows for (sockets, scheduling).</summary>
    public const int QuerySlackMilliseconds = 100;

    /// <summary>Wait for one answer (100–5000 ms).</summary>
    [Range(100, 5000)]
    public int TimeoutMilliseconds { get; set; } = 1500;

    /// <summary>Tries after the first (0–3).</summary>
    [Range(0, 3)]
    public int Retries { get; set; } = 1;

    /// <summary>Answers kept (0 = no cache, at most 1,000,000).</summary>
    [Range(0, 1_000_000)]
    public int CacheSize { get; set; } = 10000;

    /// <summary>The longest an answer is kept, whatever its TTL (1–86400 s; <see cref="CacheSize"/> 0 turns the cache off).</summary>
    [Range(1, 86400)]
    public int MaxCacheTtlSeconds { get; set; } = 3600;

    /// <summary>The longest one query (with its retries) may take: the resolver's deadline and the start's sum alike.</summary>
    public int QueryDeadlineMilliseconds => (int)QueryDeadline(TimeSpan.FromMilliseconds(TimeoutMilliseconds), Retries).TotalMilliseconds;

    /// <summary>The deadline of one query of <paramref name="retries"/> + 1 tries of <paramref name="timeout"/> each.</summary>
    public static TimeSpan QueryDeadline(TimeSpan timeout, int retries) => (timeout * (retries + 1)) + TimeSpan.FromMilliseconds(QuerySlackMilliseconds);

    public IEnumerable<string> Validate()
    {
        for (int i = 0; i < Servers.Length; i++)
        {
            if (!TryParseServer(Servers[i], out _))
            {
                yield return $"{Section}:Servers:{i}: '{Servers[i]}' is not IP or IP:PORT";
            }
        }
    }

    /// <summary>The configured servers (call after <see cref="Validate"/> found nothing); empty when none is configured.</summary>
    public IReadOnlyList<IPEndPoint> ServerEndPoints() => [.. Servers.Select(s => TryParseServer(s, out IPEndPoint? e) ? e! : throw new FormatException(s))];

    /// <summary><c>192.0.2.53</c>, <c>192.0.2.53:5353</c>, <c>2001:db8::53</c>, <c>[2001:db8::53]:5353</c>; port 53 when none is given.</summary>
    internal static bool TryParseServer(string? text, out IPEndPoint? endPoint)
    {
        endPoint = null;
        string value = (text ?? string.Empty).Trim();
        if (IPAddress.TryParse(value, out IPAddress? address) && !value.StartsWith('['))
        {
            endPoint = new IPEndPoint(address, 53);
            return true;
        }

        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }

        string host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return false; // an IPv6 address with a port needs brackets
        }

        if (!IPAddress.TryParse(host, out address))
        {
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
