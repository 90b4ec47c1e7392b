using Microsoft.Extensions.Logging;

namespace Milter.Host;

// The admin socket: listening, refused peers, commands. Event ids 3320–3329; the table of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3321, LogLevel.Information, "admin socket {Path} mode {Mode}")]
    public static partial void AdminListening(ILogger logger, string path, string mode);

    [LoggerMessage(3322, LogLevel.Warning, "admin socket {Path}: connection from a user that is neither the owner nor in the admin group refused")]
    public static partial void AdminRefused(ILogger logger, string path);

    [LoggerMessage(3323, LogLevel.Information, "admin {Command}: {Result}")]
    public static partial void Command(ILogger logger, string command, string result);

    [LoggerMessage(3324, LogLevel.Error, "admin {Command}: failed")]
    public static partial void Failed(ILogger logger, Exception exception, string command);

    [LoggerMessage(3325, LogLevel.Debug, "admin connection {Id} closed: {Reason}")]
    public static partial void AdminClosed(ILogger logger, long id, string reason);

    [LoggerMessage(3326, LogLevel.Warning, "admin socket {Path}: members of group {Group} cannot reach it: {Directory} (mode {Mode}, group {DirectoryGroup}) does not let them search it; give that directory to the group or let others search it (StateDirectoryMode=0751)")]
    public static partial void AdminUnreachable(ILogger logger, string path, string group, string directory, string mode, uint directoryGroup);
}
