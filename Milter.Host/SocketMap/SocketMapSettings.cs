using System.ComponentModel.DataAnnotations;
using Milter.Host.Listening;
using Milter.Protocol.Transport;

namespace Milter.Host.SocketMap;

/// <summary>Settings under <c>Milter:Leases:SocketMap</c>: the Sendmail socketmap server (off when Listen is empty).</summary>
public sealed class SocketMapSettings
{
    public const string Section = "Milter:Leases:SocketMap";

    /// <summary>Socket in Sendmail syntax (<c>unix:/run/milter/drac.sock</c>, <c>inet:8895@127.0.0.1</c>); empty = off.</summary>
    public string? Listen { get; set; }

    /// <summary>The map name Sendmail sends (<c>Kdrac socket …</c> sends <c>drac</c>).</summary>
    [Length(1, 64)]
    public string MapName { get; set; } = "drac";

    /// <summary>Mode of a unix socket file (octal).</summary>
    public string SocketMode { get; set; } = "660";

    /// <summary>
    /// Most connections at once (Sendmail opens one per child that looks a lease up). Each one open holds a file descriptor.
    /// </summary>
    [Range(1, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Most connections at once from one local user other than root and the milter's own user (0 = no such cap), so
    /// that one user holding connections open cannot make the map refuse Sendmail's. Peers on other hosts are not capped.
    /// </summary>
    [Range(0, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnectionsPerUser { get; set; } = 8;

    /// <summary>
    /// Seconds a connection may stay silent between requests before it is closed. Sendmail keeps one connection per
    /// child for the whole SMTP session; the lookup that finds it closed fails, which FEATURE(drac) takes for "no lease"
    /// (that recipient gets 550 Relaying denied), and the next lookup reconnects. So this stays above Sendmail's command
    /// timeout (<c>confTO_COMMAND</c>, 1 h by default): the per-user cap, not this, keeps a local user from holding the map.
    /// </summary>
    [Range(0.1, 86_400)]
    public double IdleTimeoutSeconds { get; set; } = 3900;

    /// <summary>Seconds a request may take from its first byte to its end, and an answer to be taken by the peer.</summary>
    [Range(0.1, 3600)]
    public double RequestTimeoutSeconds { get; set; } = 10;

    internal LocalListenerLimits Limits => new(MaxConnections, MaxConnectionsPerUser, IdleTimeoutSeconds, RequestTimeoutSeconds);

    internal IEnumerable<string> Validate()
    {
        if (Listen is { Length: > 0 } listen)
        {
            if (!MilterSocketSpec.TryParse(listen, out var spec, out string? specError))
            {
                yield return $"{Section}:Listen: {specError}";
            }
            else if (ListenerSettings.UnixPathTooLong(spec))
            {
                yield return $"{Section}:Listen: '{listen}': a unix socket path holds at most {ListenerSettings.MaxUnixSocketPath} bytes";
            }
        }

        if (string.IsNullOrWhiteSpace(MapName) || MapName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return $"{Section}:MapName: must be one word (Sendmail's map name, e.g. drac)";
        }

        if (!ListenerSettings.IsSocketMode(SocketMode))
        {
            yield return $"{Section}:SocketMode: '{SocketMode}' is not an octal mode from 000 to 777, like 660";
        }
    }
}
