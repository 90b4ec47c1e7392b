using System.ComponentModel.DataAnnotations;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Host.Leases.Feeds.Journal;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Host.Listening;
using Milter.Host.Options;
using Milter.Policy.Leases;
using Milter.Protocol.Transport;

namespace Milter.Host.Leases;

/// <summary>Settings under <c>Milter:Leases</c> (DRAC-style POP-before-SMTP leases, docs/leases.md).</summary>
public sealed class LeaseSettings
{
    public const string Section = "Milter:Leases";

    /// <summary><c>sqlite[:PATH]</c> (default: STATE/leases.db), <c>redis:HOST:PORT[,options]</c> or <c>memory</c>.</summary>
    public string Store { get; set; } = "sqlite";

    /// <summary>Lease lifetime when a feed gives none (DRAC: 30 minutes).</summary>
    public string Ttl { get; set; } = "30m";

    /// <summary>Size bound of the table (memory and SQLite cache, about 100 bytes a lease); see docs/leases.md for what happens when reached.</summary>
    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = InMemoryLeaseStore.DefaultMaxEntries;

    public RedisLeaseSettings Redis { get; set; } = new();

    public SocketMapSettings SocketMap { get; set; } = new();

    public DracSettings Drac { get; set; } = new();

    public LogFollowerSettings LogFollower { get; set; } = new();

    public JournalSettings Journal { get; set; } = new();

    internal TimeSpan TtlValue => LeaseDuration.TryParse(Ttl, out TimeSpan ttl) ? ttl : InMemoryLeaseStore.DefaultTtl;

    internal IEnumerable<string> Validate()
    {
        if (!LeaseStoreSpec.TryParse(Store, out _, out string? error))
        {
            yield return $"{Section}:Store: {error}";
        }

        if (!LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: {LeaseDuration.Problem(Ttl)}";
        }

        if (string.IsNullOrWhiteSpace(Redis.KeyPrefix))
        {
            yield return $"{Section}:Redis:KeyPrefix: must not be empty";
        }

        if (SocketMap.Listen is { Length: > 0 } listen)
        {
            if (!MilterSocketSpec.TryParse(listen, out var spec, out string? specError))
            {
                yield return $"{Section}:SocketMap:Listen: {specError}";
            }
            else if (ListenerOptions.UnixPathTooLong(spec))
            {
                yield return $"{Section}:SocketMap:Listen: '{listen}': a unix socket path holds at most {MilterSettings.MaxUnixSocketPath} bytes";
            }
        }

        if (string.IsNullOrWhiteSpace(SocketMap.MapName) || SocketMap.MapName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return $"{Section}:SocketMap:MapName: must be one word (Sendmail's map name, e.g. drac)";
        }

        if (!ListenerOptions.IsSocketMode(SocketMap.SocketMode))
        {
            yield return $"{Section}:SocketMap:SocketMode: '{SocketMap.SocketMode}' is not an octal mode from 000 to 777, like 660";
        }
    }
}

/// <summary>Settings under <c>Milter:Leases:Redis</c>.</summary>
public sealed class RedisLeaseSettings
{
    /// <summary>Keys are <c>{KeyPrefix}:lease:{address}</c>.</summary>
    [Length(1, 256)]
    public string KeyPrefix { get; set; } = "milter";

    /// <summary>Connect and per-command timeout: each lookup answers within it (plus a few milliseconds), else relay by lease is 451 4.3.0.</summary>
    [Range(10, 60_000)]
    public int TimeoutMilliseconds { get; set; } = 500;
}

/// <summary>Settings under <c>Milter:Leases:SocketMap</c>: the Sendmail socketmap server (off when Listen is empty).</summary>
public sealed class SocketMapSettings
{
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
}

/// <summary>Settings under <c>Milter:Admin</c>: the admin socket STATE/admin.sock.</summary>
public sealed class AdminSettings
{
    public const string Section = "Milter:Admin";

    /// <summary>A group whose members may use the admin socket too (mode 0660 instead of 0600).</summary>
    [Length(1, 32)]
    public string? Group { get; set; }

    /// <summary>Most connections at once to the admin socket.</summary>
    [Range(1, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnections { get; set; } = 32;

    /// <summary>Most connections at once from one user other than root and the milter's own user (0 = no such cap).</summary>
    [Range(0, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnectionsPerUser { get; set; } = 8;

    /// <summary>Seconds a connection may stay silent between requests before it is closed.</summary>
    [Range(0.1, 86_400)]
    public double IdleTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a request line may take from its first byte to its newline, and an answer to be taken by the peer.</summary>
    [Range(0.1, 3600)]
    public double RequestTimeoutSeconds { get; set; } = 10;

    internal LocalListenerLimits Limits => new(MaxConnections, MaxConnectionsPerUser, IdleTimeoutSeconds, RequestTimeoutSeconds);

    internal IEnumerable<string> Validate()
    {
        // useradd's rule for names (and what getgrnam can hold): no ':' or white space or control characters.
        if (Group is not null && Group.Any(c => c is ':' or ',' or '/' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return $"{Section}:Group: '{Group}' is not a group name";
        }
    }
}
