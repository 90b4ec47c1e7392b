namespace Milter.Protocol;

/// <summary>Modification actions a milter may perform at end of message (<c>SMFIF_*</c>).</summary>
[Flags]
public enum MilterActions : uint
{
    None = 0,
    /// <summary><c>SMFIF_ADDHDRS</c>: add and insert headers.</summary>
    AddHeaders = 0x001,
    /// <summary><c>SMFIF_CHGBODY</c>: replace the body.</summary>
    ChangeBody = 0x002,
    /// <summary><c>SMFIF_ADDRCPT</c>: add recipients.</summary>
    AddRecipients = 0x004,
    /// <summary><c>SMFIF_DELRCPT</c>: remove recipients.</summary>
    DeleteRecipients = 0x008,
    /// <summary><c>SMFIF_CHGHDRS</c>: change and delete headers.</summary>
    ChangeHeaders = 0x010,
    /// <summary><c>SMFIF_QUARANTINE</c>: quarantine the message.</summary>
    Quarantine = 0x020,
    /// <summary><c>SMFIF_CHGFROM</c>: change the envelope sender (v6).</summary>
    ChangeSender = 0x040,
    /// <summary><c>SMFIF_ADDRCPT_PAR</c>: add recipients with ESMTP arguments (v6).</summary>
    AddRecipientsWithArguments = 0x080,
    /// <summary><c>SMFIF_SETSYMLIST</c>: send macro symbol lists in the negotiation reply (v6).</summary>
    SetSymbolList = 0x100,
    /// <summary><c>SMFI_V1_ACTS</c>.</summary>
    Version1 = 0x0F,
    /// <summary><c>SMFI_V2_ACTS</c>.</summary>
    Version2 = 0x3F,
    /// <summary><c>SMFI_CURR_ACTS</c>: every action of protocol version 6.</summary>
    All = 0x1FF,
}
