namespace Milter.Protocol.Negotiation;

/// <summary>The SMTP-stage events a filter can ask the MTA to send (or not) and to wait for (or not).</summary>
[Flags]
public enum MilterEvents
{
    None = 0,
    Connect = 1 << 0,
    Helo = 1 << 1,
    Mail = 1 << 2,
    Rcpt = 1 << 3,
    Data = 1 << 4,
    Header = 1 << 5,
    EndOfHeaders = 1 << 6,
    Body = 1 << 7,
    Unknown = 1 << 8,
    All = Connect | Helo | Mail | Rcpt | Data | Header | EndOfHeaders | Body | Unknown,
}
