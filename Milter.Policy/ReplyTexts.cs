namespace Milter.Policy;

/// <summary>Overridable reply texts (<c>"NNN D.S.N text"</c>), defaults as in Sendmail's proto.m4/cfhead.m4.</summary>
public sealed class ReplyTexts
{
    /// <summary>confREJECT_MSG: REJECT on Connect:/From:.</summary>
    public string AccessDenied { get; set; } = "550 5.7.1 Access denied";

    /// <summary>confRCPTREJ_MSG: REJECT on To: with blocklist_recipients.</summary>
    public string RecipientRejected { get; set; } = "550 5.2.1 Mailbox disabled for this recipient";

    /// <summary>confRELAY_MSG when no trusted AUTH mechanism is configured.</summary>
    public string RelayDenied { get; set; } = "550 5.7.1 Relaying denied";

    /// <summary>confRELAY_MSG with TRUST_AUTH_MECH present.</summary>
    public string RelayDeniedAuthRequired { get; set; } = "550 5.7.1 Relaying denied. Proper authentication required.";

    /// <summary>_TMPFMSG_: the lease store (or a map) could not answer.</summary>
    public string TemporaryFailure { get; set; } = "451 4.3.0 Temporary system failure. Please try again later.";
}
