namespace Milter.Protocol;

/// <summary>Why a milter connection was closed or a peer's packet refused.</summary>
public enum ProtocolViolation
{
    /// <summary>A length field of 0: every packet carries at least its command byte.</summary>
    ZeroLength,
    /// <summary>A length over the negotiated maximum data size; refused before the payload is read.</summary>
    FrameTooLarge,
    /// <summary>A command or response byte this protocol does not define.</summary>
    UnknownCode,
    /// <summary>A string field without its terminating NUL.</summary>
    MissingNul,
    /// <summary>A packet shorter than its fixed fields require.</summary>
    Truncated,
    /// <summary>A field holds a value the protocol does not allow.</summary>
    InvalidValue,
    /// <summary>A command that the session state does not allow here.</summary>
    OutOfOrder,
    /// <summary>The peer closed the connection in the middle of a packet.</summary>
    EndOfStreamMidFrame,
    /// <summary>The peer stopped sending in the middle of a packet or did not answer in time.</summary>
    Timeout,
    /// <summary>Option negotiation failed (version or required actions not offered).</summary>
    NegotiationFailed,
    /// <summary>The milter answered where it must not, or with a response not allowed at this step.</summary>
    UnexpectedResponse,
    /// <summary>An SMTP reply text that the MTA would refuse.</summary>
    InvalidReply,
}
