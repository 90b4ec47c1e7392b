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
    /// How long a handler may take for one step. Sendmail waits 10 s for each answer by default (<c>T=R:10s</c>, also
    /// Postfix's <c>milter_command_timeout</c> in this project's snippets), so the default 8 s ends a stuck step here
    /// first: the connection is closed with a log line naming the step, and the MTA applies its <c>F=</c> error
    /// policy (tempfail with <c>F=T</c>). Set above the MTA's timeout, it would only ever fire after the MTA gave up.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// How long a reply may wait for the MTA to read it (with a socket transport): a peer that sends and never reads
    /// is closed when its socket buffer has been full this long, instead of holding the connection for ever.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
