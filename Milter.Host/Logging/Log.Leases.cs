using Microsoft.Extensions.Logging;

namespace Milter.Host;

// Leases: the lease table and its stores, the sweeper, the Redis probe. Event ids 3300–3319, then 3340–3399; the table
// of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3301, LogLevel.Error, "lease store redis={Server} unavailable, relay by lease answers 451 4.3.0 until it answers: {Error}: {Message}")]
    public static partial void LeaseStoreDown(ILogger logger, string server, string error, string message);

    [LoggerMessage(3302, LogLevel.Information, "lease store redis={Server} answers again after {Seconds:0.0} s")]
    public static partial void LeaseStoreUp(ILogger logger, string server, double seconds);

    [LoggerMessage(3303, LogLevel.Information, "lease store {Store}, ttl {TtlSeconds} s, max {MaxEntries} leases")]
    public static partial void Opened(ILogger logger, string store, double ttlSeconds, int maxEntries);

    [LoggerMessage(3304, LogLevel.Warning, "lease table full ({MaxEntries} leases, none expired): evicted the {Count} leases closest to expiry")]
    public static partial void Evicted(ILogger logger, int maxEntries, int count);

    [LoggerMessage(3305, LogLevel.Debug, "lease sweep removed {Count} expired leases")]
    public static partial void Swept(ILogger logger, int count);

    [LoggerMessage(3306, LogLevel.Error, "lease sweep failed: {Message}")]
    public static partial void SweepFailed(ILogger logger, string message);

    [LoggerMessage(3307, LogLevel.Warning, "lease store redis={Server}: {Key}: {Reason} (not written by this milter): no lease")]
    public static partial void MalformedValue(ILogger logger, string server, string key, string reason);

    [LoggerMessage(3308, LogLevel.Debug, "lease store redis {Endpoint} refuses unauthenticated writes: {Reply}")]
    public static partial void ProbeClosed(ILogger logger, string endpoint, string reply);

    [LoggerMessage(3309, LogLevel.Debug, "lease store redis {Endpoint}: unauthenticated-write probe not done: {Error}")]
    public static partial void NotProbed(ILogger logger, string endpoint, string error);

    [LoggerMessage(3310, LogLevel.Warning, "lease store redis {Endpoint} accepts writes without authentication ({Own}): any client that reaches it can grant relay by writing a lease key; require a password (an ACL user: user=…,password=… in the configuration string, ssl=true off-host; docs/leases.md)")]
    public static partial void ProbeOpen(ILogger logger, string endpoint, string own);
}
