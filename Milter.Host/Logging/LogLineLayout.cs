using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>
/// The start of a text line in each format: <c>info: Category[EventId] </c> (console), <c>&lt;6&gt;Category[EventId] </c>
/// (the journal's priority prefix), <c>&lt;PRI&gt;Mmm dd hh:mm:ss TAG[PID]: </c> (syslog, RFC 3164 §4.1 as glibc's
/// <c>syslog(3)</c> writes it to <c>/dev/log</c>; no host name, the daemon adds it). The syslog time stamp is
/// formatted once a second.
/// </summary>
internal sealed class LogLineLayout
{
    /// <summary>Upper bound of a prefix, category excluded.</summary>
    public const int MaxPrefixBytes = 96;

    private readonly LogFormat _format;
    private readonly int _facility;
    private readonly byte[] _tag;
    private readonly TimeProvider _time;
    private Stamp _stamp = new(long.MinValue, []);

    public LogLineLayout(LogFormat format, LoggingSettings settings, TimeProvider? time = null)
    {
        _format = format;
        _facility = Syslog.TryFacility(settings.SyslogFacility, out int facility) ? facility : 2;
        string tag = settings.SyslogTag.Length > 32 ? settings.SyslogTag[..32] : settings.SyslogTag;
        _tag = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{tag}[{Environment.ProcessId}]: "));
        _time = time ?? TimeProvider.System;
    }

    public LogFormat Format => _format;

    public void WritePrefix(ref Utf8LineWriter line, LogLevel level, ReadOnlySpan<byte> category, int eventId)
    {
        switch (_format)
        {
            case LogFormat.Syslog:
                line.Append((byte)'<');
                line.Append((_facility * 8) + Syslog.Severity(level));
                line.Append((byte)'>');
                line.Append(TimeStamp());
                line.Append(_tag);
                return;
            case LogFormat.Systemd:
                line.Append((byte)'<');
                line.Append(Syslog.Severity(level));
                line.Append((byte)'>');
                break;
            default:
                line.Append(ConsoleLevel(level));
                break;
        }

        line.Append(category);
        line.Append((byte)'[');
        line.Append(eventId);
        line.Append("] "u8);
    }

    /// <summary>Microsoft's console level names, so the lines read as before.</summary>
    private static ReadOnlySpan<byte> ConsoleLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce: "u8,
        LogLevel.Debug => "dbug: "u8,
        LogLevel.Information => "info: "u8,
        LogLevel.Warning => "warn: "u8,
        LogLevel.Error => "fail: "u8,
        _ => "crit: "u8,
    };

    /// <summary><c>Mmm dd hh:mm:ss </c> in local time; the day is space-padded ("Nov  9").</summary>
    private byte[] TimeStamp()
    {
        DateTimeOffset now = _time.GetUtcNow();
        long second = now.ToUnixTimeSeconds();
        Stamp stamp = Volatile.Read(ref _stamp);
        if (stamp.Second != second)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(now, _time.LocalTimeZone);
            string text = local.ToString("MMM ", CultureInfo.InvariantCulture)
                + local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
                + local.ToString(" HH:mm:ss ", CultureInfo.InvariantCulture);
            stamp = new Stamp(second, Encoding.ASCII.GetBytes(text)); // once a second, not per line
            Volatile.Write(ref _stamp, stamp);
        }

        return stamp.Text;
    }

    private sealed record Stamp(long Second, byte[] Text);
}
