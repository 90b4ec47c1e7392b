namespace Milter.Host.Listening;

/// <summary>
/// The caps and deadlines of a small local request listener (the admin socket, the socketmap), as configured, with
/// their checks: each problem names its setting under the section given.
/// </summary>
internal sealed record LocalListenerLimits(int MaxConnections, int MaxConnectionsPerUser, double IdleTimeoutSeconds, double RequestTimeoutSeconds)
{
    public const int MaxConnectionsBound = 65_536;

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);

    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(RequestTimeoutSeconds);

    public IEnumerable<string> Validate(string section)
    {
        if (MaxConnections is < 1 or > MaxConnectionsBound)
        {
            yield return $"{section}:MaxConnections: must be between 1 and {MaxConnectionsBound}, not {MaxConnections}";
        }

        if (MaxConnectionsPerUser < 0 || MaxConnectionsPerUser > Math.Max(MaxConnections, 1))
        {
            yield return $"{section}:MaxConnectionsPerUser: must be between 0 (no per-user cap) and MaxConnections ({MaxConnections}), not {MaxConnectionsPerUser}";
        }

        if (!(IdleTimeoutSeconds is >= 0.1 and <= 86_400))
        {
            yield return $"{section}:IdleTimeoutSeconds: must be between 0.1 and 86400 seconds, not {IdleTimeoutSeconds}";
        }

        if (!(RequestTimeoutSeconds is >= 0.1 and <= 3600))
        {
            yield return $"{section}:RequestTimeoutSeconds: must be between 0.1 and 3600 seconds, not {RequestTimeoutSeconds}";
        }
    }
}
