namespace Milter.Protocol;

/// <summary>Protocol step flags negotiated in OPTNEG (<c>SMFIP_*</c>).</summary>
[Flags]
public enum MilterProtocolFlags : uint
{
    None = 0,
    /// <summary><c>SMFIP_NOCONNECT</c>.</summary>
    NoConnect = 0x00000001,
    /// <summary><c>SMFIP_NOHELO</c>.</summary>
    NoHelo = 0x00000002,
    /// <summary><c>SMFIP_NOMAIL</c>.</summary>
    NoMail = 0x00000004,
    /// <summary><c>SMFIP_NORCPT</c>.</summary>
    NoRcpt = 0x00000008,
    /// <summary><c>SMFIP_NOBODY</c>.</summary>
    NoBody = 0x00000010,
    /// <summary><c>SMFIP_NOHDRS</c>.</summary>
    NoHeaders = 0x00000020,
    /// <summary><c>SMFIP_NOEOH</c>.</summary>
    NoEndOfHeaders = 0x00000040,
    /// <summary><c>SMFIP_NR_HDR</c> (also <c>SMFIP_NOHREPL</c>): no reply to HEADER.</summary>
    NoReplyHeader = 0x00000080,
    /// <summary><c>SMFIP_NOUNKNOWN</c>.</summary>
    NoUnknown = 0x00000100,
    /// <summary><c>SMFIP_NODATA</c>.</summary>
    NoData = 0x00000200,
    /// <summary><c>SMFIP_SKIP</c>: the MTA understands SMFIR_SKIP.</summary>
    Skip = 0x00000400,
    /// <summary><c>SMFIP_RCPT_REJ</c>: also send recipients the MTA rejected.</summary>
    RcptRejected = 0x00000800,
    /// <summary><c>SMFIP_NR_CONN</c>.</summary>
    NoReplyConnect = 0x00001000,
    /// <summary><c>SMFIP_NR_HELO</c>.</summary>
    NoReplyHelo = 0x00002000,
    /// <summary><c>SMFIP_NR_MAIL</c>.</summary>
    NoReplyMail = 0x00004000,
    /// <summary><c>SMFIP_NR_RCPT</c>.</summary>
    NoReplyRcpt = 0x00008000,
    /// <summary><c>SMFIP_NR_DATA</c>.</summary>
    NoReplyData = 0x00010000,
    /// <summary><c>SMFIP_NR_UNKN</c>.</summary>
    NoReplyUnknown = 0x00020000,
    /// <summary><c>SMFIP_NR_EOH</c>.</summary>
    NoReplyEndOfHeaders = 0x00040000,
    /// <summary><c>SMFIP_NR_BODY</c>.</summary>
    NoReplyBody = 0x00080000,
    /// <summary><c>SMFIP_HDR_LEADSPC</c>: header values keep their leading space, both directions.</summary>
    HeaderLeadingSpace = 0x00100000,
    /// <summary><c>SMFIP_MDS_256K</c>.</summary>
    MaxDataSize256K = 0x10000000,
    /// <summary><c>SMFIP_MDS_1M</c>.</summary>
    MaxDataSize1M = 0x20000000,
    /// <summary><c>SMFI_V1_PROT</c>.</summary>
    Version1 = 0x3F,
    /// <summary><c>SMFI_V2_PROT</c>.</summary>
    Version2 = 0x7F,
    /// <summary><c>SMFI_CURR_PROT</c>: every step flag of protocol version 6.</summary>
    All = 0x001FFFFF,
    /// <summary>Every <c>SMFIP_NR_*</c> flag.</summary>
    AllNoReply = NoReplyHeader | NoReplyConnect | NoReplyHelo | NoReplyMail | NoReplyRcpt | NoReplyData | NoReplyUnknown | NoReplyEndOfHeaders | NoReplyBody,
}
