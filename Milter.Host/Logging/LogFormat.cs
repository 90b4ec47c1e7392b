using Microsoft.Extensions.Hosting.Systemd;

namespace Milter.Host.Logging;

/// <summary>The shape of each log line (<c>Milter:Logging:Format</c>); every format writes one line per entry.</summary>
internal enum LogFormat
{
    /// <summary><c>info: Category[EventId] message</c> on stdout.</summary>
    Console,

    /// <summary>The journal's <c>&lt;6&gt;Category[EventId] message</c> on stdout (sd-daemon(3) priority prefix).</summary>
    Systemd,

    /// <summary>One JSON object a line on stdout, shaped like Microsoft's JSON console formatter.</summary>
    Json,

    /// <summary>glibc <c>syslog(3)</c> datagrams to the syslog socket.</summary>
    Syslog,
}

internal static class LogFormats
{
    /// <summary>
    /// The format of <paramref name="setting"/>; <c>console</c> becomes <see cref="LogFormat.Systemd"/> when systemd
    /// started the milter or stdout is the journal (<c>$JOURNAL_STREAM</c>, systemd.exec(5): also true where the parent
    /// cannot be seen, ProtectProc=invisible).
    /// </summary>
    public static LogFormat Resolve(string setting) => setting.ToLowerInvariant() switch
    {
        "syslog" => LogFormat.Syslog,
        "json" => LogFormat.Json,
        "systemd" => LogFormat.Systemd,
        _ when SystemdHelpers.IsSystemdService() || Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 } => LogFormat.Systemd,
        _ => LogFormat.Console,
    };
}
