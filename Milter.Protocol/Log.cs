using Microsoft.Extensions.Logging;

namespace Milter.Protocol;

// Every log message of Milter.Protocol, as Kestrel's trace classes have them: one static partial class of LoggerMessage
// methods and a block of event ids reserved per area (Milter.Host's Log.cs explains the rules: an id keeps its meaning
// once shipped, a new message takes the next free id of its area). Milter.Host.Tests' LogEventIdTests reads this table
// and fails when an id is used twice in the assembly, is outside the blocks of its file, or is written outside it.
//
// ids          area                                                                     file
// 1000-1009    the session: negotiation, protocol violations, the handler, its end      Log.cs
// 1010-1099    the listener: accepting, connection caps, the stale socket, shutdown     Log.cs
// 1100-1199    the session, continued (1000-1009 has one id left)                       Log.cs
// 1200-1999    free: a new area takes a block here                                      -
// (Milter.Host has 3000-3999: Milter.Host/Logging/Log.cs.)
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Warning, "Milter connection {ConnectionId} closed: {Violation}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string connectionId, ProtocolViolation violation, string reason);

    [LoggerMessage(1001, LogLevel.Warning, "Milter connection {ConnectionId} closed: the handler did not answer {Command} within {Timeout}")]
    public static partial void HandlerTimeout(ILogger logger, string connectionId, MilterCommandCode command, TimeSpan timeout);

    [LoggerMessage(1002, LogLevel.Error, "Milter connection {ConnectionId} closed: the handler failed at {Command}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string connectionId, MilterCommandCode command);

    [LoggerMessage(1003, LogLevel.Debug, "Milter connection {ConnectionId}: {Command} inside a message, the message is aborted first")]
    public static partial void ImplicitAbort(ILogger logger, string connectionId, MilterCommandCode command);

    [LoggerMessage(1004, LogLevel.Debug, "Milter connection {ConnectionId}: SKIP was not negotiated, sent CONTINUE instead")]
    public static partial void SkipNotNegotiated(ILogger logger, string connectionId);

    [LoggerMessage(1005, LogLevel.Debug, "Milter connection {ConnectionId}: negotiated version {Version}, actions 0x{Actions:X}, steps 0x{Steps:X}")]
    public static partial void Negotiated(ILogger logger, string connectionId, uint version, uint actions, uint steps);

    [LoggerMessage(1006, LogLevel.Debug, "Milter connection {ConnectionId}: {Command} is a no-reply step; the handler's {Response} was not sent")]
    public static partial void NoReplyDropped(ILogger logger, string connectionId, MilterCommandCode command, Responses.MilterResponse response);

    [LoggerMessage(1007, LogLevel.Debug, "Milter connection {ConnectionId} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string connectionId, string reason);

    [LoggerMessage(1008, LogLevel.Information, "Milter connection {ConnectionId} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string connectionId, string reason);

    [LoggerMessage(1010, LogLevel.Information, "{Name} listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string name, string endpoint);

    [LoggerMessage(1011, LogLevel.Warning, "{Name} connection refused: {Count} connections open, the limit; until one is admitted again, refusals are only counted")]
    public static partial void ConnectionLimitReached(ILogger logger, string name, int count);

    [LoggerMessage(1012, LogLevel.Warning, "{Name} shutdown: {Count} connections did not end within the deadline and were closed")]
    public static partial void ShutdownAborted(ILogger logger, string name, int count);

    [LoggerMessage(1013, LogLevel.Information, "{Name} shutdown: stopped accepting; {Count} connections finishing")]
    public static partial void ShutdownDraining(ILogger logger, string name, int count);

    [LoggerMessage(1014, LogLevel.Warning, "Replaced stale socket file {Path}")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(1015, LogLevel.Error, "{Name}: accepting a connection failed ({Error}); the listener keeps serving, retrying with a growing delay (logged once per kind of error)")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string name, string error);

    [LoggerMessage(1016, LogLevel.Information, "{Name} shutdown complete: every connection ended on its own")]
    public static partial void ShutdownClean(ILogger logger, string name);

    [LoggerMessage(1017, LogLevel.Warning, "{Name}: accept failed for lack of {Resource} ({Error}) with {Count} connections open; pausing accepts with a growing delay up to {MaxDelay} until it succeeds again")]
    public static partial void AcceptExhausted(ILogger logger, string name, string resource, string error, int count, TimeSpan maxDelay);

    [LoggerMessage(1018, LogLevel.Warning, "{Name}: accepting again after {Failures} failed accepts in {Seconds:0.0} s ({Error})")]
    public static partial void AcceptResumed(ILogger logger, string name, long failures, double seconds, string error);

    [LoggerMessage(1019, LogLevel.Warning, "{Name}: {Count} connections refused in {Seconds:0.0} s at the limit of {Limit}")]
    public static partial void RefusalsEnded(ILogger logger, string name, long count, double seconds, int limit);

    [LoggerMessage(1020, LogLevel.Warning, "{Name} connection from {Peer} refused: {Limit} connections from it are open, the per-peer limit; until one of its connections is admitted again, its refusals are only counted")]
    public static partial void PeerLimitReached(ILogger logger, string name, string peer, int limit);

    [LoggerMessage(1021, LogLevel.Warning, "{Name}: {Count} connections from {Peer} refused in {Seconds:0.0} s at the per-peer limit of {Limit}")]
    public static partial void PeerRefusalsEnded(ILogger logger, string name, long count, string peer, double seconds, int limit);

    [LoggerMessage(1023, LogLevel.Warning, "{Name} connection refused: it got file descriptor {Descriptor}, within {Headroom} of RLIMIT_NOFILE {Limit} (kept for the process itself); until one is admitted again, refusals are only counted")]
    public static partial void DescriptorHeadroomReached(ILogger logger, string name, long descriptor, long limit, int headroom);

    [LoggerMessage(1024, LogLevel.Warning, "{Name}: {Count} connections refused in {Seconds:0.0} s near the file descriptor limit")]
    public static partial void DescriptorRefusalsEnded(ILogger logger, string name, long count, double seconds);

    [LoggerMessage(1022, LogLevel.Error, "{Name} connection {Id} failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string name, long id);
}
