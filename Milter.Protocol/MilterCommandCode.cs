namespace Milter.Protocol;

/// <summary>The command byte of a packet the MTA sends to a milter (<c>SMFIC_*</c>).</summary>
public enum MilterCommandCode : byte
{
    /// <summary><c>SMFIC_ABORT</c>: the current message ends without end-of-message. No reply.</summary>
    Abort = (byte)'A',
    /// <summary><c>SMFIC_BODY</c>: a chunk of the body (at most 65535 bytes).</summary>
    Body = (byte)'B',
    /// <summary><c>SMFIC_CONNECT</c>: SMTP client connection information.</summary>
    Connect = (byte)'C',
    /// <summary><c>SMFIC_MACRO</c>: macros for a stage. No reply.</summary>
    Macro = (byte)'D',
    /// <summary><c>SMFIC_BODYEOB</c>: end of message.</summary>
    EndOfMessage = (byte)'E',
    /// <summary><c>SMFIC_HELO</c>: the HELO/EHLO argument.</summary>
    Helo = (byte)'H',
    /// <summary><c>SMFIC_QUIT_NC</c>: end of this SMTP session, the milter connection is kept for another one. No reply.</summary>
    QuitNewConnection = (byte)'K',
    /// <summary><c>SMFIC_HEADER</c>: one header field.</summary>
    Header = (byte)'L',
    /// <summary><c>SMFIC_MAIL</c>: MAIL FROM with its ESMTP arguments.</summary>
    Mail = (byte)'M',
    /// <summary><c>SMFIC_EOH</c>: end of headers.</summary>
    EndOfHeaders = (byte)'N',
    /// <summary><c>SMFIC_OPTNEG</c>: option negotiation.</summary>
    OptionNegotiation = (byte)'O',
    /// <summary><c>SMFIC_QUIT</c>: the MTA closes the milter connection. No reply.</summary>
    Quit = (byte)'Q',
    /// <summary><c>SMFIC_RCPT</c>: RCPT TO with its ESMTP arguments.</summary>
    Rcpt = (byte)'R',
    /// <summary><c>SMFIC_DATA</c>: the DATA command (protocol version 4 and later).</summary>
    Data = (byte)'T',
    /// <summary><c>SMFIC_UNKNOWN</c>: an SMTP command the MTA did not recognise (version 3 and later).</summary>
    Unknown = (byte)'U',
}
