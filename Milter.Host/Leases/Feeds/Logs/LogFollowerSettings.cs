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

    public bool Enabled => !string.IsNullOrWhiteSpace(Path);

    public LoginLineFormat ParsedFormat => Enum.Parse<LoginLineFormat>(Format, ignoreCase: true);

    public IEnumerable<string> Validate()
    {
        if (!Enum.TryParse<LoginLineFormat>(Format, ignoreCase: true, out _) || int.TryParse(Format, out _))
        {
            yield return $"{Section}:Format: '{Format}' is not one of auto, dovecot, courier, cyrus, qpopper, uw";
        }

        if (!string.IsNullOrWhiteSpace(Ttl) && !LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: {LeaseDuration.Problem(Ttl)}";
        }
    }
}
