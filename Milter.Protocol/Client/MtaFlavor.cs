namespace Milter.Protocol.Client;

/// <summary>Which MTA's habits <see cref="MilterClient"/> imitates.</summary>
public enum MtaFlavor
{
    /// <summary>
    /// Sendmail 8.17: <c>IPv6:</c>-prefixed addresses, macro packets before C H M R E (empty when no value),
    /// PROGRESS only at end of message, SHUTDOWN refused, QUIT at the end.
    /// </summary>
    Sendmail,

    /// <summary>
    /// Postfix 3.x: bare IPv6 addresses, macro packets also before every HEADER, BODY and UNKNOWN (and DATA,
    /// EOH), ABORT after each message and before QUIT once HELO was seen, PROGRESS/QUARANTINE/SHUTDOWN at any
    /// step, every reply line validated, no QUIT after a connection-level verdict.
    /// </summary>
    Postfix,
}
