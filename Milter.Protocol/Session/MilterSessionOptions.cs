namespace Milter.Protocol.Session;

/// <summary>Timeouts of one milter connection.</summary>
public sealed class MilterSessionOptions
{
    /// <summary>
    /// How long the MTA may stay silent between packets. The MTA holds the milter connection for the whole SMTP
    /// session, which may idle for a long time; libmilter's default is 7210 s.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(7210);

    /// <summary>
    /// How long a whole packet (length and payload) may take from its first byte: a peer that trickles a packet a
    /// byte at a time is closed when this runs out, however steadily the bytes come.
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a handler may take for one step. Sendmail's default read timeout is 10 s (<c>T=R:10s</c>), so a
    /// policy answer must come well inside it; on timeout the connection is closed and the MTA applies its
    /// <c>F=</c> error policy (tempfail with <c>F=T</c>).
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a reply may wait for the MTA to read it (with a socket transport): a peer that sends and never reads
    /// is closed when its socket buffer has been full this long, instead of holding the connection for ever.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
