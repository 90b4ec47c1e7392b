using Milter.Host.Listening;
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

    /// <summary>Size bound of the table (memory and SQLite cache); see docs/leases.md for what happens when reached.</summary>
    public int MaxEntries { get; set; } = InMemoryLeaseStore.DefaultMaxEntries;

    public RedisLeaseSettings Redis { get; set; } = new();

    public SocketMapSettings SocketMap { get; set; } = new();

    internal TimeSpan TtlValue => LeaseDuration.TryParse(Ttl, out TimeSpan ttl) ? ttl : InMemoryLeaseStore.DefaultTtl;

    internal IEnumerable<string> Validate()
    {
        if (!LeaseStoreSpec.TryParse(Store, out _, out string? error))
        {
            yield return $"{Section}:Store: {error}";
        }

        if (!LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: '{Ttl}' is not a duration (1800, 90s, 30m, 2h, 1d or 00:30:00)";
        }

        if (MaxEntries < 1)
        {
            yield return $"{Section}:MaxEntries: must be at least 1, not {MaxEntries}";
        }

        if (Redis.TimeoutMilliseconds is < 10 or > 60_000)
        {
            yield return $"{Section}:Redis:TimeoutMilliseconds: must be between 10 and 60000, not {Redis.TimeoutMilliseconds}";
        }

        if (string.IsNullOrWhiteSpace(Redis.KeyPrefix))
        {
            yield return $"{Section}:Redis:KeyPrefix: must not be empty";
        }

        if (SocketMap.Listen is { Length: > 0 } listen && !MilterSocketSpec.TryParse(listen, out _, out string? specError))
        {
            yield return $"{Section}:SocketMap:Listen: {specError}";
        }

        if (string.IsNullOrWhiteSpace(SocketMap.MapName) || SocketMap.MapName.Any(char.IsWhiteSpace))
        {
            yield return $"{Section}:SocketMap:MapName: must be one word (Sendmail's map name, e.g. drac)";
        }

        foreach (string problem in SocketMap.Limits.Validate($"{Section}:SocketMap"))
        {
            yield return problem;
        }
    }
}

/// <summary>Settings under <c>Milter:Leases:Redis</c>.</summary>
public sealed class RedisLeaseSettings
{
    /// <summary>Keys are <c>{KeyPrefix}:lease:{address}</c>.</summary>
    public string KeyPrefix { get; set; } = "milter";

    /// <summary>Connect and per-command timeout.</summary>
    public int TimeoutMilliseconds { get; set; } = 500;
}

/// <summary>Settings under <c>Milter:Leases:SocketMap</c>: the Sendmail socketmap server (off when Listen is empty).</summary>
public sealed class SocketMapSettings
{
    /// <summary>Socket in Sendmail syntax (<c>inet:8895@127.0.0.1</c>, <c>unix:/run/milter/drac.sock</c>); empty = off.</summary>
    public string? Listen { get; set; }

    /// <summary>The map name Sendmail sends (<c>Kdrac socket …</c> sends <c>drac</c>).</summary>
    public string MapName { get; set; } = "drac";

    /// <summary>Mode of a unix socket file (octal).</summary>
    public string SocketMode { get; set; } = "660";

    /// <summary>
    /// Most connections at once (Sendmail opens one per child that looks a lease up). Each one open holds a file descriptor.
    /// </summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Most connections at once from one local user other than root and the milter's own user (0 = no such cap), so
    /// that one user holding connections open cannot make the map refuse Sendmail's. Peers on other hosts are not capped.
    /// </summary>
    public int MaxConnectionsPerUser { get; set; } = 8;

    /// <summary>
    /// Seconds a connection may stay silent between requests before it is closed. Sendmail keeps one connection per
    /// child for the whole SMTP session; the lookup that finds it closed fails, which FEATURE(drac) takes for "no lease"
    /// (that recipient gets 550 Relaying denied), and the next lookup reconnects. So this stays above Sendmail's command
    /// timeout (<c>confTO_COMMAND</c>, 1 h by default): the per-user cap, not this, keeps a local user from holding the map.
    /// </summary>
    public double IdleTimeoutSeconds { get; set; } = 3900;

    /// <summary>Seconds a request may take from its first byte to its end, and an answer to be taken by the peer.</summary>
    public double RequestTimeoutSeconds { get; set; } = 10;

    internal LocalListenerLimits Limits => new(MaxConnections, MaxConnectionsPerUser, IdleTimeoutSeconds, RequestTimeoutSeconds);
}

/// <summary>Settings under <c>Milter:Admin</c>: the admin socket STATE/admin.sock.</summary>
public sealed class AdminSettings
{
    public const string Section = "Milter:Admin";

    /// <summary>A group whose members may use the admin socket too (mode 0660 instead of 0600).</summary>
    public string? Group { get; set; }

    /// <summary>Most connections at once to the admin socket.</summary>
    public int MaxConnections { get; set; } = 32;

    /// <summary>Most connections at once from one user other than root and the milter's own user (0 = no such cap).</summary>
    public int MaxConnectionsPerUser { get; set; } = 8;

    /// <summary>Seconds a connection may stay silent between requests before it is closed.</summary>
    public double IdleTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a request line may take from its first byte to its newline, and an answer to be taken by the peer.</summary>
    public double RequestTimeoutSeconds { get; set; } = 10;

    internal LocalListenerLimits Limits => new(MaxConnections, MaxConnectionsPerUser, IdleTimeoutSeconds, RequestTimeoutSeconds);

    internal IEnumerable<string> Validate() => Limits.Validate(Section);
}
