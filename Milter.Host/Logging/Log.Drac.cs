using System.Net;
using Microsoft.Extensions.Logging;

namespace Milter.Host;

// The DRAC feed: RPC requests, the allow file, the portmapper. Event ids 3500–3519, then 3560–3599; the table of every
// area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3500, LogLevel.Information, "lease added source=drac client={Client} caller={Caller} expires={Expires:O}")]
    public static partial void DracAdded(ILogger logger, IPAddress client, IPEndPoint caller, DateTimeOffset expires);

    [LoggerMessage(3501, LogLevel.Warning, "drac caller={Caller} not in the allow file: ADD_PERM, no lease for {Client}")]
    public static partial void NotAllowed(ILogger logger, IPEndPoint caller, IPAddress client);

    [LoggerMessage(3502, LogLevel.Warning, "drac datagram from {Caller} ({Length} bytes) is not an RPC call: dropped without reply")]
    public static partial void NotACall(ILogger logger, IPEndPoint caller, int length);

    [LoggerMessage(3503, LogLevel.Warning, "drac call from {Caller} xid={Xid} refused: {Reason}: answered {Reply}, nothing added")]
    public static partial void DracRefused(ILogger logger, IPEndPoint caller, uint xid, string reason, string reply);

    [LoggerMessage(3504, LogLevel.Error, "drac lease for {Client} from {Caller} not stored: {Error}: ADD_SYSERR")]
    public static partial void DracAddFailed(ILogger logger, IPAddress client, IPEndPoint caller, string error);

    [LoggerMessage(3505, LogLevel.Information, "drac allow file {File} loaded: {Count} networks")]
    public static partial void Loaded(ILogger logger, string file, int count);

    [LoggerMessage(3506, LogLevel.Warning, "drac allow file {Problem}")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(3507, LogLevel.Error, "drac allow file {File} is gone: the last list ({Count} networks) stays in force until it is back")]
    public static partial void AllowFileMissing(ILogger logger, string file, int count);

    [LoggerMessage(3508, LogLevel.Error, "drac allow file {File} not readable ({Error}): the last list stays in force")]
    public static partial void Unreadable(ILogger logger, string file, string error);

    [LoggerMessage(3509, LogLevel.Warning, "drac: one caller may add new leases at {Rate}, enough to fill half of the lease table ({MaxEntries}) within one lease lifetime and make it evict other leases; lower {Section}:NewLeasesPerMinute or raise Milter:Leases:MaxEntries")]
    public static partial void CanFillTable(ILogger logger, string rate, int maxEntries, string section);

    [LoggerMessage(3510, LogLevel.Information, "drac listening udp {Endpoint} (program 900101 versions 1-2), allow file {AllowFile}, lease ttl {Ttl}")]
    public static partial void DracListening(ILogger logger, IPEndPoint endpoint, string allowFile, string ttl);

    [LoggerMessage(3511, LogLevel.Warning, "drac receive failed: {Error}")]
    public static partial void ReceiveFailed(ILogger logger, string error);

    [LoggerMessage(3512, LogLevel.Warning, "drac reply to {Caller} not sent: {Error}")]
    public static partial void ReplyFailed(ILogger logger, IPEndPoint caller, string error);

    [LoggerMessage(3513, LogLevel.Information, "DRAC program 900101 versions 1 and 2 registered with the portmapper at {Portmapper} on udp port {Port}")]
    public static partial void Registered(ILogger logger, int port, IPEndPoint portmapper);

    [LoggerMessage(3514, LogLevel.Warning, "DRAC not registered with the portmapper at {Portmapper} (is rpcbind running?): unmodified dracauth() clients will not find this server; clients given the port directly still work")]
    public static partial void NotRegistered(ILogger logger, IPEndPoint portmapper);

    [LoggerMessage(3515, LogLevel.Warning, "drac: {Count} more datagrams refused in the last {Seconds} s (the first of each interval is logged in full, the rest only counted)")]
    public static partial void Suppressed(ILogger logger, int count, double seconds);

    [LoggerMessage(3516, LogLevel.Warning, "drac caller={Caller} sends from an unprivileged port (a local user can): ADD_PERM, no lease for {Client}")]
    public static partial void UnprivilegedPort(ILogger logger, IPEndPoint caller, IPAddress client);

    [LoggerMessage(3517, LogLevel.Warning, "drac caller={Caller} added {PerMinute} new leases in the last minute (NewLeasesPerMinute): ADD_SYSERR, no lease for {Client}")]
    public static partial void RateLimited(ILogger logger, IPEndPoint caller, int perMinute, IPAddress client);

    [LoggerMessage(3518, LogLevel.Warning, "drac: {Section}:RequirePrivilegedPort is off: any local user can add leases by sending DRACPROC_ADD from an unprivileged port")]
    public static partial void AnyPort(ILogger logger, string section);

    [LoggerMessage(3519, LogLevel.Warning, "drac listening off loopback on {Endpoint}: UDP source addresses are not authenticated; filter spoofed sources at the network edge (docs/leases.md)")]
    public static partial void OffLoopback(ILogger logger, IPEndPoint endpoint);
}
