using Microsoft.Extensions.Logging;

namespace Milter.Protocol;

/// <summary>Every log message of Milter.Protocol (event ids 1000–1999).</summary>
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

    [LoggerMessage(1010, LogLevel.Information, "Milter listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(1011, LogLevel.Warning, "Milter connection from {Remote} refused: {Count} connections open, the limit")]
    public static partial void ConnectionLimitReached(ILogger logger, string remote, int count);

    [LoggerMessage(1012, LogLevel.Warning, "Milter shutdown: {Count} connections did not end within the deadline and were closed")]
    public static partial void ShutdownAborted(ILogger logger, int count);

    [LoggerMessage(1013, LogLevel.Information, "Milter shutdown: stopped accepting; {Count} connections finishing their SMTP sessions")]
    public static partial void ShutdownDraining(ILogger logger, int count);

    [LoggerMessage(1014, LogLevel.Warning, "Replaced stale socket file {Path}")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(1015, LogLevel.Error, "Accepting a milter connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(1016, LogLevel.Information, "Milter shutdown complete: every connection ended on its own")]
    public static partial void ShutdownClean(ILogger logger);
}
