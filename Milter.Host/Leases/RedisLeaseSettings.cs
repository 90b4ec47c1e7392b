using System.ComponentModel.DataAnnotations;

namespace Milter.Host.Leases;

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
