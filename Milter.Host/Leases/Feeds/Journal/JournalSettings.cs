using Milter.Host.Files;
using Milter.Host.Leases.Feeds.Logs;

namespace Milter.Host.Leases.Feeds.Journal;

/// <summary>
/// Settings under <c>Milter:Leases:Journal</c>: login lines from the systemd journal (off unless <see cref="Unit"/> or
/// <see cref="Comm"/> is set). Unlike a syslog file, the journal records who sent each entry from the kernel's side
/// (<c>_UID</c>, <c>_COMM</c>, <c>_SYSTEMD_UNIT</c>), so an entry counts only when those match: a local user's
/// <c>logger</c> line carries that user's uid.
/// </summary>
public sealed class JournalSettings
{
    public const string Section = "Milter:Leases:Journal";

    /// <summary>The systemd unit whose entries count (<c>_SYSTEMD_UNIT</c>, e.g. <c>dovecot.service</c>).</summary>
    public string? Unit { get; set; }

    /// <summary>The process name whose entries count (<c>_COMM</c>, set by the process itself: it narrows <see cref="Unit"/> and <see cref="User"/>, it proves nothing alone).</summary>
    public string? Comm { get; set; }

    /// <summary>The user besides root whose entries count (<c>_UID</c>; name or number). Default: root only.</summary>
    public string? User { get; set; }

    /// <summary>A journald namespace (<c>journalctl --namespace</c>); none: the system journal.</summary>
    public string? Namespace { get; set; }

    /// <summary>The journalctl program (default <c>journalctl</c> on PATH).</summary>
    public string Journalctl { get; set; } = "journalctl";

    /// <summary><c>auto</c>, <c>dovecot</c>, <c>courier</c>, <c>cyrus</c>, <c>qpopper</c> or <c>uw</c>, as the log follower's.</summary>
    public string Format { get; set; } = "auto";

    /// <summary>Lifetime of a lease from the journal as <see cref="LeaseDuration"/> reads it; none: the lease table's default TTL.</summary>
    public string? Ttl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Unit) || !string.IsNullOrWhiteSpace(Comm);

    internal TimeSpan? TtlValue => LeaseDuration.TryParse(Ttl, out TimeSpan ttl) ? ttl : null;

    internal LoginLineFormat ParsedFormat => Enum.Parse<LoginLineFormat>(Format, ignoreCase: true);

    /// <summary>The uids whose entries count: root and <see cref="User"/>.</summary>
    internal IReadOnlySet<uint> TrustedUids => new HashSet<uint> { 0, UnixAccounts.UserId(User ?? "0") ?? 0 };

    public IEnumerable<string> Validate()
    {
        if (!Enum.TryParse<LoginLineFormat>(Format, ignoreCase: true, out _) || int.TryParse(Format, out _))
        {
            yield return $"{Section}:Format: '{Format}' is not one of auto, dovecot, courier, cyrus, qpopper, uw";
        }

        if (!string.IsNullOrWhiteSpace(User) && UnixAccounts.UserId(User) is null)
        {
            yield return $"{Section}:User: no user '{User}'";
        }

        if (!string.IsNullOrWhiteSpace(Ttl) && !LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: '{Ttl}' is not a duration (1800, 90s, 30m, 2h, 1d or 00:30:00)";
        }

        foreach ((string key, string? value) in new[] { (nameof(Unit), Unit), (nameof(Comm), Comm), (nameof(Namespace), Namespace) })
        {
            if (value is not null && (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '=')))
            {
                yield return $"{Section}:{key}: '{value}' must be one word without '='";
            }
        }
    }

    /// <summary>Whether <paramref name="entry"/> was sent by a process this configuration trusts.</summary>
    internal bool Trusts(JournalEntry entry) =>
        !entry.Ambiguous
        && entry.Uid is { } uid && TrustedUids.Contains(uid)
        && (string.IsNullOrWhiteSpace(Unit) || entry.Unit == Unit)
        && (string.IsNullOrWhiteSpace(Comm) || entry.Comm == Comm);
}
