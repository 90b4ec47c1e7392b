using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// The flood and mail-bomb limits in force: null or 0 = off. The host builds it from <c>Milter:Limits</c> (defaults
/// there); a bare instance has everything off. Immutable once handed to a <see cref="LimitEngine"/>.
/// </summary>
public sealed class FloodLimits
{
    /// <summary>Audit mode for every limit: log what would be refused, refuse nothing.</summary>
    public bool Audit { get; init; }

    /// <summary>
    /// Honour <c>ClientRate:</c> and <c>ClientConn:</c> access entries as Sendmail's FEATURE(ratecontrol) and
    /// FEATURE(conncontrol) do (cf/README): checked in check_relay, after the <c>Connect:</c> lookup. An entry that
    /// applies to a client replaces <see cref="ClientConnectionRate"/> / <see cref="ClientConnections"/> for it.
    /// </summary>
    public bool AccessEntries { get; init; } = true;

    /// <summary>Sendmail's ConnectionRateWindowSize (confCONNECTION_RATE_WINDOW_SIZE): what <c>ClientRate:</c> counts over.</summary>
    public TimeSpan ConnectionRateWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>FEATURE(`ratecontrol')'s arguments.</summary>
    public ClientControlMode RateControl { get; init; } = new();

    /// <summary>FEATURE(`conncontrol')'s arguments.</summary>
    public ClientControlMode ConnControl { get; init; } = new();

    public int NetworkPrefixV4 { get; init; } = 24;

    public int NetworkPrefixV6 { get; init; } = 64;

    /// <summary>Open connections per client address (this process).</summary>
    public CountLimit? ClientConnections { get; init; }

    /// <summary>Connections per client address.</summary>
    public RateLimit? ClientConnectionRate { get; init; }

    public RateLimit? ClientMessageRate { get; init; }

    public RateLimit? NetworkMessageRate { get; init; }

    public RateLimit? SenderMessageRate { get; init; }

    public RateLimit? UserMessageRate { get; init; }

    public RateLimit? ServerMessageRate { get; init; }

    public RateLimit? ClientRecipientRate { get; init; }

    public RateLimit? NetworkRecipientRate { get; init; }

    public RateLimit? SenderRecipientRate { get; init; }

    public RateLimit? UserRecipientRate { get; init; }

    public RateLimit? ServerRecipientRate { get; init; }

    /// <summary>Messages from one sender to one recipient (scope <see cref="LimitScope.SenderRecipient"/>).</summary>
    public RateLimit? MailBomb { get; init; }

    public CountLimit? RecipientsPerMessage { get; init; }

    public PolicyReply ConnectionsReply { get; init; } = new(421, "4.7.0", "Too many open connections from your host, try again later");

    public PolicyReply ConnectionRateReply { get; init; } = new(421, "4.7.0", "Connection rate limit exceeded, try again later");

    public PolicyReply RateReply { get; init; } = new(451, "4.7.1", "Rate limit exceeded, try again later");

    public PolicyReply RecipientsReply { get; init; } = new(452, "4.5.3", "Too many recipients");

    /// <summary>When a shared store cannot answer and its failure mode is to refuse.</summary>
    public PolicyReply StoreDownReply { get; init; } = new(451, "4.3.0", "Temporary system failure. Please try again later.");

    /// <summary>Every rate limit that is on.</summary>
    public IEnumerable<RateLimit> RateLimits => new[]
    {
        ClientConnectionRate, ClientMessageRate, NetworkMessageRate, SenderMessageRate, UserMessageRate, ServerMessageRate,
        ClientRecipientRate, NetworkRecipientRate, SenderRecipientRate, UserRecipientRate, ServerRecipientRate, MailBomb,
    }.OfType<RateLimit>();

    /// <summary>Nothing to check at all.</summary>
    public bool IsEmpty => ClientConnections is not { Max: > 0 } && RecipientsPerMessage is not { Max: > 0 } && !RateLimits.Any() && !AccessEntries;
}
