namespace Milter.Protocol.Session;

/// <summary>Where a milter connection is. Message states are ordered as the steps of a message.</summary>
internal enum SessionState
{
    AwaitNegotiation,
    AwaitConnect,
    Connected,
    Mail,
    Rcpt,
    Data,
    Header,
    EndOfHeaders,
    Body,
    Closed,
}
