using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Milter.Host.Logging;

/// <summary>Settings under <c>Milter:Logging</c>: where log lines go. Levels stay in the standard <c>Logging:LogLevel</c>.</summary>
public sealed class LoggingSettings
{
    public const string Section = "Milter:Logging";

    /// <summary>
    /// <c>console</c> (plain lines on stdout; the journal's <c>&lt;N&gt;</c> format when systemd started the milter),
    /// <c>systemd</c> (always that format), <c>json</c> (one JSON object a line) or <c>syslog</c> (datagrams to
    /// <see cref="SyslogSocket"/>).
    /// </summary>
    public string Format { get; set; } = "console";

    /// <summary>Unix datagram socket of the local syslog daemon (journald and rsyslog both serve <c>/dev/log</c>).</summary>
    public string SyslogSocket { get; set; } = "/dev/log";

    /// <summary>Syslog facility name: <c>mail</c>, <c>daemon</c>, <c>local0</c>…<c>local7</c>, ….</summary>
    public string SyslogFacility { get; set; } = "mail";

    /// <summary>The tag before <c>[pid]:</c> in each syslog line (RFC 3164: at most 32 characters).</summary>
    [Length(1, 32)]
    public string SyslogTag { get; set; } = "milter";

    /// <summary>
    /// At most one write (or one burst of datagrams) per this interval while lines keep coming; the first line after a
    /// quiet spell and a full 64 KiB chunk go at once. Every queued line is written at a clean stop.
    /// </summary>
    [Range(0, 60_000)]
    public int BatchMilliseconds { get; set; } = 20;

    internal static readonly string[] Formats = ["console", "systemd", "json", "syslog"];

    public IEnumerable<string> Validate()
    {
        if (!Formats.Contains(Format, StringComparer.OrdinalIgnoreCase))
        {
            yield return $"{Section}:Format: '{Format}' is not one of {string.Join(", ", Formats)}";
        }

        if (!Syslog.TryFacility(SyslogFacility, out _))
        {
            yield return $"{Section}:SyslogFacility: '{SyslogFacility}' is not a syslog facility (mail, daemon, local0 … local7, …)";
        }

        if (string.IsNullOrEmpty(SyslogSocket) || Encoding.UTF8.GetByteCount(SyslogSocket) > 107)
        {
            yield return $"{Section}:SyslogSocket: must name a unix datagram socket of at most 107 bytes, e.g. /dev/log";
        }

        if (SyslogTag is null || SyslogTag.Any(c => char.IsWhiteSpace(c) || c is '[' or ']' or ':'))
        {
            yield return $"{Section}:SyslogTag: '{SyslogTag}' must be one word without [ ] :";
        }
    }
}
