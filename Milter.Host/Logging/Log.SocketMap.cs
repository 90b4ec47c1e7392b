using Microsoft.Extensions.Logging;

namespace Milter.Host;

// The socketmap server for Sendmail. Event ids 3330–3339; the table of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3331, LogLevel.Information, "socketmap {Listen} map {MapName}")]
    public static partial void SocketMapListening(ILogger logger, string listen, string mapName);

    [LoggerMessage(3332, LogLevel.Warning, "socketmap client {Peer}: malformed netstring, answered PERM and closed ({Suppressed} more since the last such line, at most one a minute)")]
    public static partial void Malformed(ILogger logger, string peer, int suppressed);

    [LoggerMessage(3333, LogLevel.Debug, "socketmap connection {Id} closed: {Reason}")]
    public static partial void SocketMapClosed(ILogger logger, long id, string reason);
}
