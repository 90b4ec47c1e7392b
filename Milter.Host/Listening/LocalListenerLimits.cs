namespace Milter.Host.Listening;

/// <summary>
/// The caps and deadlines of a small local request listener (the admin socket, the socketmap), as configured (their
/// ranges are the settings' own: <c>SocketMapSettings</c>, <c>AdminSettings</c>). A per-user cap above the listener's
/// cap is allowed and means the listener's.
/// </summary>
internal sealed record LocalListenerLimits(int MaxConnections, int MaxConnectionsPerUser, double IdleTimeoutSeconds, double RequestTimeoutSeconds)
{
    public const int MaxConnectionsBound = 65_536;

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);

    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(RequestTimeoutSeconds);
}
