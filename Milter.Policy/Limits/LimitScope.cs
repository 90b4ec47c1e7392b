namespace Milter.Policy.Limits;

/// <summary>What a limit counts by: the key of its buckets.</summary>
public enum LimitScope
{
    /// <summary>The client IP address.</summary>
    Client,

    /// <summary>The client's network: IPv4 /24, IPv6 /64 (configurable prefix lengths).</summary>
    Network,

    /// <summary>The envelope sender, normalized (case, <c>+detail</c>); the null sender <c>&lt;&gt;</c> is not counted.</summary>
    Sender,

    /// <summary>The authenticated user (<c>{auth_authen}</c>), case-folded; unauthenticated sessions are not counted.</summary>
    User,

    /// <summary>One bucket for the whole server (or the whole fleet when the store is shared).</summary>
    Server,

    /// <summary>One sender to one recipient (both normalized): the mail bomb.</summary>
    SenderRecipient,
}
