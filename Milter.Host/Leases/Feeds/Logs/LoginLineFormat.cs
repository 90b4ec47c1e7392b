namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>The login-line dialects the log follower understands (patterns of pop-before-smtp and Dovecot 2.3, spec §2.2).</summary>
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
