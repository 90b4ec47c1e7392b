using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy;

/// <summary>
/// What a <see cref="PolicySession"/> keeps of the current message, from MAIL on: the sender, the <c>{auth_type}</c>
/// of MAIL, the sender domain's resolution and the quarantine its <see cref="PolicyTransaction"/> carries. Made at the connection's first MAIL and reused by its later messages, so
/// an idle connection holds one null reference, not these fields. Cleared as the session's fields were: the sender at
/// the end of each message (<see cref="PolicySession.Reset"/>) with the quarantine, the rest replaced by the next MAIL.
/// </summary>
internal sealed class SessionMessage
{
    /// <summary>The sender as parsed at MAIL; default (no <see cref="EnvelopeAddress.Raw"/>) after the end of the message.</summary>
    public EnvelopeAddress Sender { get; set; }

    /// <summary><c>{auth_type}</c> of MAIL: all the session reads of its <see cref="AuthFacts"/>.</summary>
    public string? AuthMechanism { get; set; }

    /// <summary>The sender domain last resolved (null while it is asked), and its answer.</summary>
    public string? SenderDomain { get; set; }

    public DomainResolution SenderResolution { get; set; }

    /// <summary>The quarantine reason a <see cref="PolicyTransaction"/> carries to the end of the message.</summary>
    public string? Quarantine { get; set; }

    /// <summary>A sender was given at MAIL and not forgotten since.</summary>
    public bool HasSender => Sender.Raw is not null;
}
