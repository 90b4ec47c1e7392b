using System.ComponentModel.DataAnnotations;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>Settings under <c>Milter:Leases:LogFollower</c>: a POP/IMAP login log to follow (off unless <see cref="Path"/> is set).</summary>
public sealed class LogFollowerSettings
{
    public const string Section = "Milter:Leases:LogFollower";

    /// <summary>The log file: Dovecot's <c>log_path</c>/<c>info_log_path</c>, or the syslog file it ends up in (e.g. /var/log/mail.log).</summary>
    public string? Path { get; set; }

    /// <summary><c>auto</c>, <c>dovecot</c>, <c>courier</c>, <c>cyrus</c>, <c>qpopper</c> or <c>uw</c>.</summary>
    public string Format { get; set; } = "auto";

    /// <summary>How often the file is checked for new lines, rotation and truncation.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>Lifetime of a lease from a login line as <see cref="LeaseDuration"/> reads it; none: the lease table's default TTL.</summary>
    public string? Ttl { get; set; }

    internal TimeSpan? TtlValue => LeaseDuration.TryParse(Ttl, out TimeSpan ttl) ? ttl : null;

    /// <summary>
    /// The user besides root who may write the log and its directory (the mail server's, e.g. <c>dovecot</c>, or
    /// <c>syslog</c> where rsyslog runs as that user); none: root only. The follower refuses to start on a file or
    /// directory anyone else can write.
    /// </summary>
    public string? TrustedWriter { get; set; }

    /// <summary>
    /// Accept login lines in syslog form (<c>TIME HOST PROGRAM[PID]: …</c>). Any local user can write such a line
    /// through syslog (<c>logger -t 'dovecot[1]' …</c>), so this is off: only the lines a mail server writes to its
    /// own log file (Dovecot's <c>log_path</c>) count. The courier, cyrus, qpopper and uw formats need it.
    /// </summary>
    public bool AcceptSyslogLines { get; set; }

    /// <summary>The formats that exist only in syslog form.</summary>
    internal static readonly LoginLineFormat[] SyslogOnly = [LoginLineFormat.Courier, LoginLineFormat.Cyrus, LoginLineFormat.Qpopper, LoginLineFormat.Uw];

    public bool Enabled => !string.IsNullOrWhiteSpace(Path);

    public LoginLineFormat ParsedFormat => Enum.Parse<LoginLineFormat>(Format, ignoreCase: true);

    public IEnumerable<string> Validate()
    {
        if (!Enum.TryParse<LoginLineFormat>(Format, ignoreCase: true, out LoginLineFormat format) || int.TryParse(Format, out _))
        {
            yield return $"{Section}:Format: '{Format}' is not one of auto, dovecot, courier, cyrus, qpopper, uw";
        }
        else if (Enabled && SyslogOnly.Contains(format) && !AcceptSyslogLines)
        {
            yield return $"{Section}:Format: {format.ToString().ToLowerInvariant()} logs only through syslog, where any local user can write a login line (logger -t …); set {Section}:AcceptSyslogLines to true to accept that, or add leases through the admin socket (docs/leases.md)";
        }

        if (!string.IsNullOrWhiteSpace(TrustedWriter) && Files.UnixAccounts.UserId(TrustedWriter) is null)
        {
            yield return $"{Section}:TrustedWriter: no user '{TrustedWriter}'";
        }

        if (!string.IsNullOrWhiteSpace(Ttl) && !LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: {LeaseDuration.Problem(Ttl)}";
        }
    }
}
