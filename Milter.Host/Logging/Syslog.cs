using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>
/// The BSD syslog line (RFC 3164 §4.1) as glibc's <c>syslog(3)</c> writes it to <c>/dev/log</c>:
/// <c>&lt;PRI&gt;Mmm dd hh:mm:ss TAG[PID]: MESSAGE</c>, no host name (the daemon adds it), PRI = facility × 8 + severity.
/// </summary>
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

    public static string Line(int facility, LogLevel level, DateTimeOffset time, string tag, int pid, string message)
    {
        var line = new StringBuilder(message.Length + 48);
        line.Append('<').Append((facility * 8) + Severity(level)).Append('>')
            .Append(time.ToString("MMM ", CultureInfo.InvariantCulture))
            .Append(time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)) // "Nov  9": the day is space-padded
            .Append(time.ToString(" HH:mm:ss ", CultureInfo.InvariantCulture))
            .Append(tag).Append('[').Append(pid).Append("]: ");
        foreach (char c in message)
        {
            line.Append(c is '\n' or '\r' ? ' ' : c); // one record per line for every syslog daemon
        }

        return line.ToString();
    }
}
