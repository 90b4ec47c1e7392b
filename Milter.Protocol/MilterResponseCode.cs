namespace Milter.Protocol;

/// <summary>The response byte of a packet a milter sends to the MTA (<c>SMFIR_*</c>).</summary>
public enum MilterResponseCode : byte
{
    /// <summary><c>SMFIR_ADDRCPT</c>: add a recipient (end of message only).</summary>
    AddRecipient = (byte)'+',
    /// <summary><c>SMFIR_DELRCPT</c>: remove a recipient (end of message only).</summary>
    DeleteRecipient = (byte)'-',
    /// <summary><c>SMFIR_ADDRCPT_PAR</c>: add a recipient with ESMTP arguments (end of message only).</summary>
    AddRecipientWithArguments = (byte)'2',
    /// <summary><c>SMFIR_SHUTDOWN</c>: 421 and disconnect (Postfix only; bogus to Sendmail 8.17).</summary>
    Shutdown = (byte)'4',
    /// <summary><c>SMFIR_ACCEPT</c>: accept the connection or message; no more commands for it.</summary>
    Accept = (byte)'a',
    /// <summary><c>SMFIR_REPLBODY</c>: a chunk of the replacement body (end of message only).</summary>
    ReplaceBody = (byte)'b',
    /// <summary><c>SMFIR_CONTINUE</c>: go on with the next step.</summary>
    Continue = (byte)'c',
    /// <summary><c>SMFIR_DISCARD</c>: accept and silently drop the message.</summary>
    Discard = (byte)'d',
    /// <summary><c>SMFIR_CHGFROM</c>: change the envelope sender (end of message only).</summary>
    ChangeSender = (byte)'e',
    /// <summary><c>SMFIR_CONN_FAIL</c>: cause a connection failure (accepted by neither MTA).</summary>
    ConnectionFailure = (byte)'f',
    /// <summary><c>SMFIR_ADDHEADER</c>: append a header (end of message only).</summary>
    AddHeader = (byte)'h',
    /// <summary><c>SMFIR_INSHEADER</c>: insert a header at an index (end of message only).</summary>
    InsertHeader = (byte)'i',
    /// <summary><c>SMFIR_SETSYMLIST</c>: never a packet of its own; symbol lists travel in the OPTNEG reply.</summary>
    SetSymbolList = (byte)'l',
    /// <summary><c>SMFIR_CHGHEADER</c>: change or delete a header (end of message only).</summary>
    ChangeHeader = (byte)'m',
    /// <summary><c>SMFIR_PROGRESS</c>: keep-alive while the milter works.</summary>
    Progress = (byte)'p',
    /// <summary><c>SMFIR_QUARANTINE</c>: put the message on hold with a reason.</summary>
    Quarantine = (byte)'q',
    /// <summary><c>SMFIR_REJECT</c>: reject (5xx) the command, recipient or message.</summary>
    Reject = (byte)'r',
    /// <summary><c>SMFIR_SKIP</c>: skip further events of this kind (needs <c>SMFIP_SKIP</c>).</summary>
    Skip = (byte)'s',
    /// <summary><c>SMFIR_TEMPFAIL</c>: temporary failure (4xx).</summary>
    TempFail = (byte)'t',
    /// <summary><c>SMFIR_REPLYCODE</c>: reject or tempfail with an SMTP reply text.</summary>
    ReplyCode = (byte)'y',
    /// <summary><c>SMFIC_OPTNEG</c> as a reply: the milter's negotiated options.</summary>
    OptionNegotiation = (byte)'O',
}
