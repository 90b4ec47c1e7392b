using System.Net;
using Microsoft.Extensions.Logging;

namespace Milter.Host;

// The log follower, and the login lines of both log feeds (log follower and journal). Event ids 3520–3539; the table
// of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3520, LogLevel.Information, "lease added source={Source} client={Client} user={User} expires={Expires:O}")]
    public static partial void LoginAdded(ILogger logger, string source, IPAddress client, string user, DateTimeOffset expires);

    [LoggerMessage(3521, LogLevel.Information, "log follower: following {Path} (file {Identity}) from offset {Offset}, format {Format}")]
    public static partial void FollowingFile(ILogger logger, string path, string identity, long offset, string format);

    [LoggerMessage(3522, LogLevel.Information, "log follower: {Path} rotated (old file read to offset {Offset})")]
    public static partial void Rotated(ILogger logger, string path, long offset);

    [LoggerMessage(3523, LogLevel.Information, "log follower: {Path} truncated ({Length} bytes, was at {Offset}): reading from the start")]
    public static partial void Truncated(ILogger logger, string path, long offset, long length);

    [LoggerMessage(3524, LogLevel.Warning, "log follower: {Path} does not exist yet: waiting for it")]
    public static partial void FollowedFileMissing(ILogger logger, string path);

    [LoggerMessage(3525, LogLevel.Warning, "log follower: {Path} cannot be opened: {Error}")]
    public static partial void OpenFailed(ILogger logger, string path, string error);

    [LoggerMessage(3526, LogLevel.Error, "{Feed}: lease for {Client} not stored: {Error}: the line is tried again for up to {Seconds} s")]
    public static partial void LoginAddFailed(ILogger logger, string feed, IPAddress client, string error, double seconds);

    [LoggerMessage(3527, LogLevel.Warning, "log follower: position not saved to {File}: {Error}")]
    public static partial void PositionNotSaved(ILogger logger, string file, string error);

    [LoggerMessage(3528, LogLevel.Warning, "log follower: {Path}: a line longer than {KiB} KiB at offset {Offset} skipped up to its newline")]
    public static partial void LongLine(ILogger logger, string path, long offset, int kiB);

    [LoggerMessage(3529, LogLevel.Warning, "log follower: reading {Path} failed: {Error}")]
    public static partial void PollFailed(ILogger logger, string path, string error);

    [LoggerMessage(3530, LogLevel.Error, "{Feed}: lease for {Client} still not stored after {Seconds} s ({Error}): the line is passed")]
    public static partial void GaveUp(ILogger logger, string feed, IPAddress client, double seconds, string error);

    [LoggerMessage(3531, LogLevel.Information, "{Feed}: lease for {Client} stored after {Seconds:0.0} s of retries")]
    public static partial void StoredAfterRetry(ILogger logger, string feed, IPAddress client, double seconds);

    [LoggerMessage(3532, LogLevel.Error, "{Feed}: {Path} at offset {Offset}: lease for {Client} refused ({Error}): the line is passed")]
    public static partial void Unusable(ILogger logger, string feed, string path, long offset, IPAddress client, string error);

    [LoggerMessage(3533, LogLevel.Warning, "log follower: {Path} at offset {Offset}: a login line for {Client} in syslog form ignored: any local user can write such a line through syslog (logger); follow the mail server's own log (Dovecot log_path) or use the admin socket, or set {Section}:AcceptSyslogLines to true to accept the risk (further such lines are counted at debug level)")]
    public static partial void SyslogLineIgnored(ILogger logger, string path, long offset, IPAddress client, string section);

    [LoggerMessage(3534, LogLevel.Debug, "log follower: {Path} at offset {Offset}: a login line for {Client} in syslog form ignored")]
    public static partial void SyslogLineCounted(ILogger logger, string path, long offset, IPAddress client);

    [LoggerMessage(3535, LogLevel.Error, "log follower: not reading {Problems}: only {Trusted} may write the followed log and the directories above it")]
    public static partial void FollowedFileUntrusted(ILogger logger, string problems, string trusted);
}
