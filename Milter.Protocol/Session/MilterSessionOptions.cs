namespace Milter.Protocol.Session;

/// <summary>Timeouts of one milter connection.</summary>
public sealed class MilterSessionOptions
{
    /// <summary>
    /// How long the MTA may stay silent between packets. The MTA holds the milter connection for the whole SMTP
    /// session, which may idle for a long time; libmilter's default is 7210 s.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(7210);

    /// <summary>How long the rest of a packet may take once its first byte arrived (a stalled peer is closed).</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a handler may take for one step. Sendmail's default read timeout is 10 s (<c>T=R:10s</c>), so a
    /// policy answer must come well inside it; on timeout the connection is closed and the MTA applies its
    /// <c>F=</c> error policy (tempfail with <c>F=T</c>).
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
