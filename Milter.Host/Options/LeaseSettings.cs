using System.ComponentModel.DataAnnotations;
using Milter.Host.Leases;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Host.Leases.Feeds.Journal;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Host.Listening;
using Milter.Host.Options;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;
using Milter.Protocol.Transport;

namespace Milter.Host.Options;

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

        foreach (string problem in SocketMap.Validate())
        {
            yield return problem;
        }
    }
}
