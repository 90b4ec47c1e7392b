namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>The login-line dialects the log follower understands (pop-before-smtp's patterns, pop-before-smtp-conf.pl, and Dovecot 2.3's login_log_format).</summary>
public enum LoginLineFormat
{
    /// <summary>Every format below, first match wins.</summary>
    Auto,
    Dovecot,
    Courier,
    Cyrus,
    Qpopper,
    Uw,
}
