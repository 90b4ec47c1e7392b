using Microsoft.Extensions.Logging;

namespace Milter.Host;

// Rules: loading and reloading the rule files, their diagnostics, the start refused over them. Event ids 3100–3199;
// the table of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "Rules loaded ({Why}): version {Version} at {LoadedAt:O} from {Sources}")]
    public static partial void RulesLoaded(ILogger logger, string why, long version, DateTimeOffset loadedAt, string sources);

    [LoggerMessage(3101, LogLevel.Error, "{Diagnostic}")]
    public static partial void RuleError(ILogger logger, string diagnostic);

    [LoggerMessage(3102, LogLevel.Warning, "{Diagnostic}")]
    public static partial void RuleWarning(ILogger logger, string diagnostic);

    [LoggerMessage(3103, LogLevel.Error, "Rules not reloaded ({Why}): errors above; version {Version} stays in force")]
    public static partial void ReloadRefused(ILogger logger, string why, long version);

    [LoggerMessage(3104, LogLevel.Warning, "Rules status not written to {Directory}: {Reason}")]
    public static partial void StatusNotWritten(ILogger logger, string directory, string reason);

    [LoggerMessage(3105, LogLevel.Critical, "milter not started: {Problem}")]
    public static partial void StartRefused(ILogger logger, string problem);

    [LoggerMessage(3106, LogLevel.Warning, "no rule file configured ({Section}): {Notice} (Connect: RELAY only for documentation networks)")]
    public static partial void EmbeddedExamples(ILogger logger, string notice, string section);

    [LoggerMessage(3107, LogLevel.Information, "SIGHUP was ignored by the process that started the milter (nohup?): set back to its default so that SIGHUP reloads the rules")]
    public static partial void HangupWasIgnored(ILogger logger);
}
