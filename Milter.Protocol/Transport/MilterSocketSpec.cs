using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.Protocol.Transport;

/// <summary>
/// A socket in Sendmail/libmilter syntax: <c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c>, <c>unix:PATH</c>,
/// <c>local:PATH</c> (a bare path means unix). Postfix's <c>inet:HOST:PORT</c> is accepted too. Without a host,
/// inet listens on every IPv4 address and inet6 on every IPv6 address, as libmilter does.
/// </summary>
public sealed record MilterSocketSpec
{
    private MilterSocketSpec(string text, AddressFamily family, string? host, int port, string? path)
    {
        Text = text;
        Family = family;
        Host = host;
        Port = port;
        Path = path;
    }

    /// <summary>The spec as written.</summary>
    public string Text { get; }

    /// <summary><see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/> or <see cref="AddressFamily.Unix"/>.</summary>
    public AddressFamily Family { get; }

    public string? Host { get; }

    public int Port { get; }

    public string? Path { get; }

    public bool IsUnix => Family == AddressFamily.Unix;

    public override string ToString() => Text;

    /// <summary>Parses a spec; throws <see cref="FormatException"/> with the reason.</summary>
    public static MilterSocketSpec Parse(string text)
    {
        if (!TryParse(text, out MilterSocketSpec? spec, out string? error))
        {
            throw new FormatException(error);
        }

        return spec;
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MilterSocketSpec? spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty socket spec (expected inet:PORT@HOST, inet6:PORT@HOST, unix:PATH or local:PATH)";
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon < 0 ? (text.StartsWith('/') ? "unix" : string.Empty) : text[..colon].ToLowerInvariant();
        string rest = colon < 0 ? text : text[(colon + 1)..];
        switch (scheme)
        {
            case "unix":
            case "local":
                if (rest.Length == 0)
                {
                    error = $"'{text}': a socket path is missing";
                    return false;
                }

                spec = new MilterSocketSpec(text, AddressFamily.Unix, null, 0, rest);
                return true;
            case "inet":
            case "inet6":
                AddressFamily family = scheme == "inet" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                string portText;
                string? host;
                int at = rest.IndexOf('@', StringComparison.Ordinal);
                if (at >= 0)
                {
                    portText = rest[..at];
                    host = rest[(at + 1)..];
                }
                else if (scheme == "inet" && rest.LastIndexOf(':') is int hostColon and > 0)
                {
                    host = rest[..hostColon];
                    portText = rest[(hostColon + 1)..];
                }
                else
                {
                    portText = rest;
                    host = null;
                }

                if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
                {
                    error = $"'{text}': '{portText}' is not a port number";
                    return false;
                }

                if (host is { Length: 0 })
                {
                    host = null;
                }

                if (host is not null && host.StartsWith('[') && host.EndsWith(']'))
                {
                    host = host[1..^1];
                }

                spec = new MilterSocketSpec(text, family, host, port, null);
                return true;
            default:
                error = $"'{text}': unknown socket type '{scheme}' (expected inet, inet6, unix or local)";
                return false;
        }
    }

    /// <summary>The endpoint to bind or connect to; host names are resolved.</summary>
    public async Task<EndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IsUnix)
        {
            return new UnixDomainSocketEndPoint(Path!);
        }

        if (Host is null)
        {
            return new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, Port);
        }

        if (IPAddress.TryParse(Host, out IPAddress? address))
        {
            return new IPEndPoint(address, Port);
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(Host, Family, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return new IPEndPoint(addresses[0], Port);
    }
}
