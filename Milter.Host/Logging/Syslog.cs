using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>Syslog facilities and severities: PRI = facility × 8 + severity (the line itself: <see cref="LogLineLayout"/>).</summary>
internal static class Syslog
{
    private static readonly Dictionary<string, int> Facilities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kern"] = 0, ["user"] = 1, ["mail"] = 2, ["daemon"] = 3, ["auth"] = 4, ["syslog"] = 5, ["lpr"] = 6, ["news"] = 7,
        ["uucp"] = 8, ["cron"] = 9, ["authpriv"] = 10, ["ftp"] = 11,
        ["local0"] = 16, ["local1"] = 17, ["local2"] = 18, ["local3"] = 19, ["local4"] = 20, ["local5"] = 21, ["local6"] = 22, ["local7"] = 23,
    };

    public static bool TryFacility(string? name, out int facility) => Facilities.TryGetValue(name ?? string.Empty, out facility);

    /// <summary>RFC 5424 §6.2.1 severities: debug 7, info 6, warning 4, err 3, crit 2.</summary>
    public static int Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 7,
        LogLevel.Information => 6,
        LogLevel.Warning => 4,
        LogLevel.Error => 3,
        _ => 2,
    };
}
