using Microsoft.Extensions.Logging;

namespace Milter.Host;

// The journal feed. Event ids 3540–3559; the table of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3540, LogLevel.Information, "journal: following {Journalctl} {Arguments}")]
    public static partial void FollowingJournal(ILogger logger, string journalctl, string arguments);

    [LoggerMessage(3541, LogLevel.Warning, "journal: {Journalctl} ended (exit {Exit}): started again in {Seconds} s")]
    public static partial void Ended(ILogger logger, string journalctl, int exit, double seconds);

    [LoggerMessage(3542, LogLevel.Warning, "journal: journalctl: {Line}")]
    public static partial void JournalctlSaid(ILogger logger, string line);

    [LoggerMessage(3543, LogLevel.Warning, "journal: entry from uid {Uid} comm {Comm} unit {Unit} ignored: not a sender the configuration trusts (further ones are only counted)")]
    public static partial void JournalUntrusted(ILogger logger, string uid, string comm, string unit);

    [LoggerMessage(3544, LogLevel.Debug, "journal: line {Number} is not a journal entry")]
    public static partial void NotAnEntry(ILogger logger, long number);

    [LoggerMessage(3545, LogLevel.Warning, "journal: cursor {Cursor} not usable: following from the journal's end")]
    public static partial void CursorDropped(ILogger logger, string cursor);

    [LoggerMessage(3546, LogLevel.Warning, "journal: cursor not read from {File}: {Error}")]
    public static partial void CursorNotRead(ILogger logger, string file, string error);

    [LoggerMessage(3547, LogLevel.Warning, "journal: cursor not saved to {File}: {Error}")]
    public static partial void CursorNotSaved(ILogger logger, string file, string error);
}
