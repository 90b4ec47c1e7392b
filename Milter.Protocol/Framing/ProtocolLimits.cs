namespace Milter.Protocol.Framing;

/// <summary>Sizes fixed by the protocol (libmilter <c>mfdef.h</c>).</summary>
public static class ProtocolLimits
{
    /// <summary><c>MILTER_LEN_BYTES</c>: size of the length prefix.</summary>
    public const int LengthBytes = 4;

    /// <summary>Length prefix plus command byte.</summary>
    public const int HeaderBytes = LengthBytes + 1;

    /// <summary><c>MILTER_CHUNK_SIZE</c>: the largest BODY or REPLBODY chunk either MTA sends.</summary>
    public const int ChunkSize = 65535;

    /// <summary><c>MILTER_MAX_DATA_SIZE</c>: default maximum data length of a received packet.</summary>
    public const int DefaultMaxDataSize = 65535;

    /// <summary><c>MILTER_MDS_256K</c>.</summary>
    public const int MaxDataSize256K = 262143;

    /// <summary><c>MILTER_MDS_1M</c>: the largest data size the protocol can negotiate.</summary>
    public const int MaxDataSize1M = 1048575;

    /// <summary>Highest protocol version this implementation speaks (Sendmail 8.14+).</summary>
    public const uint ProtocolVersion = 6;

    /// <summary>Lowest MTA protocol version accepted (as libmilter).</summary>
    public const uint MinimumProtocolVersion = 2;

    /// <summary>Longest SMTP reply line a milter may send (libmilter <c>MAXREPLYLEN</c>).</summary>
    public const int MaxReplyLineLength = 980;

    /// <summary>Most lines in a multi-line SMTP reply (libmilter <c>MAXREPLIES</c>).</summary>
    public const int MaxReplyLines = 32;
}
