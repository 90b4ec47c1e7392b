using Microsoft.Extensions.Logging;

namespace Milter.Host;

// Every log message of Milter.Host, as Kestrel's trace classes have them: one static partial class of LoggerMessage
// methods (source-generated: no allocation when the level is off), one file per area (Log.<Area>.cs beside this one),
// and a block of event ids reserved per area. The id is in every line (`info: Category[3001] …`, `<6>Category[3001] …`)
// and operators filter on it (docs/leases.md and docs/limits.md name some), so an id keeps its meaning once shipped:
// a new message takes the next free id of its area, a retired id is not given to another message. The logger's
// category is the caller's (ILogger<T>, or Milter.Decisions, Milter.Leases, Milter.Limits, Milter.Host), not this class.
// LogEventIdTests reads this table: it fails when an id is used twice in the assembly, when a message's id is outside
// the blocks of the file it is written in, or when a message is written outside these files. Ids written by hand
// (an `…EventId` constant) are listed under the file of their type.
//
// ids          area                                                                     file
// 3000         decision lines (DecisionEntry.EventId, category Milter.Decisions)        DecisionEntry.cs
// 3001-3099    host: configuration, the policy adapter, the fd budget, memory trimming  Log.cs
// 3100-3199    rules: loading, reloading, diagnostics                                   Log.Rules.cs
// 3200-3299    limits: exceeded limits, the shared Redis store                          Log.Limits.cs
// 3300-3319    leases: the table, its stores, the sweeper, the Redis probe              Log.Leases.cs
// 3320-3329    the admin socket                                                         Log.Admin.cs
// 3330-3339    the socketmap server                                                     Log.SocketMap.cs
// 3340-3399    leases, continued                                                        Log.Leases.cs
// 3400-3499    metrics                                                                  Log.Metrics.cs
// 3500-3519    the DRAC feed (full: new DRAC messages take 3560-3599)                   Log.Drac.cs
// 3520-3539    the log follower, and the login lines of both log feeds                  Log.LogFollower.cs
// 3540-3559    the journal feed                                                         Log.Journal.cs
// 3560-3599    the DRAC feed, continued                                                 Log.Drac.cs
// 3600-3699    the log output itself (3600: lines dropped, category Milter.Logging)     MilterLoggerProvider.cs
// 3700-3999    free: a new area takes a block here                                      -
// (Milter.Protocol has 1000-1999: its Log.cs.)
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "configuration: {File}")]
    public static partial void Configuration(ILogger logger, string file);

    [LoggerMessage(3002, LogLevel.Warning, "reply \"{Reply}\" cannot be sent ({Reason}): answered as a plain reject or tempfail")]
    public static partial void UnsendableReply(ILogger logger, string reply, string reason);

    [LoggerMessage(3010, LogLevel.Information, "file descriptor limit raised to the hard limit {Limit} (the listeners need up to {Needed})")]
    public static partial void Raised(ILogger logger, ulong limit, long needed);

    [LoggerMessage(3011, LogLevel.Warning, "Milter:Listener:MaxConnections {MaxConnections} plus {Others} for the admin socket and socketmap plus {Reserve} for the process itself ({Open} open now) need {Needed} file descriptors, but RLIMIT_NOFILE is {Soft} (hard limit {Hard}): serving at most {Fitted} milter connections; raise the limit (LimitNOFILE= in the systemd unit, ulimit -n) or lower MaxConnections")]
    public static partial void Clamped(ILogger logger, int maxConnections, int others, int reserve, int open, long needed, ulong soft, ulong hard, int fitted);

    [LoggerMessage(3012, LogLevel.Debug, "quiet: the collector's free memory given back ({AllocatedMiB} MiB allocated since the last time, {Milliseconds:F1} ms)")]
    public static partial void MemoryTrimmed(ILogger logger, long allocatedMiB, double milliseconds);
}
