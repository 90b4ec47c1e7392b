namespace Milter.Policy.Access;

/// <summary>The RHS grammar of the access map (cf/README "The value part of the map can contain").</summary>
public enum AccessAction
{
    Ok,
    Relay,
    Reject,
    Discard,

    /// <summary>Stop this walk and return the default (FEATURE(access_db, , skip), Debian's default).</summary>
    Skip,

    /// <summary><c>ERROR:</c> (or the deprecated bare <c>### text</c>) with a precomputed reply.</summary>
    Error,
    Quarantine,

    /// <summary><c>Spam:</c> value FRIEND (delay_checks friend).</summary>
    Friend,

    /// <summary><c>Spam:</c> value HATER (delay_checks hater).</summary>
    Hater,

    /// <summary>Anything else: Sendmail answers <c>553 5.3.0 &lt;value&gt;</c>.</summary>
    Unknown,
}
