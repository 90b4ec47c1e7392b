namespace Milter.Host.Options;

/// <summary>Settings under <c>Milter:Listener</c>.</summary>
public sealed class ListenerOptions
{
    public const string Section = "Milter:Listener";

    /// <summary>Socket in Sendmail's <c>S=</c> syntax; the default is loopback only.</summary>
    public string Listen { get; set; } = "inet:8890@127.0.0.1";

    /// <summary>Mode of a unix socket file, octal (e.g. "660").</summary>
    public string SocketMode { get; set; } = "660";

    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Seconds a handler may take for one step before the connection is closed.</summary>
    public double HandlerTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds the MTA may stay silent between packets.</summary>
    public double IdleTimeoutSeconds { get; set; } = 7210;

    /// <summary>Seconds a whole packet (length and payload) may take from its first byte.</summary>
    public double FrameTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds a reply may wait for the MTA to read it (its socket buffer full) before the connection is closed.</summary>
    public double WriteTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds sessions may take to reach QUIT at shutdown before they are closed.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    public IEnumerable<string> Validate()
    {
        if (!Milter.Protocol.Transport.MilterSocketSpec.TryParse(Listen, out _, out string? error))
        {
            yield return $"{Section}:Listen: {error}";
        }

        bool octal = SocketMode.Length is >= 3 and <= 4 && SocketMode.All(c => c is >= '0' and <= '7');
        if (!octal)
        {
            yield return $"{Section}:SocketMode: '{SocketMode}' is not an octal mode like 660";
        }

        if (MaxConnections < 1)
        {
            yield return $"{Section}:MaxConnections: must be at least 1, not {MaxConnections}";
        }

        foreach ((string name, double value) in new[] { (nameof(HandlerTimeoutSeconds), HandlerTimeoutSeconds), (nameof(IdleTimeoutSeconds), IdleTimeoutSeconds), (nameof(ShutdownTimeoutSeconds), ShutdownTimeoutSeconds) })
        {
            if (!(value > 0))
            {
                yield return $"{Section}:{name}: must be a positive number of seconds, not {value}";
            }
        }

        foreach ((string name, double value) in new[] { (nameof(FrameTimeoutSeconds), FrameTimeoutSeconds), (nameof(WriteTimeoutSeconds), WriteTimeoutSeconds) })
        {
            if (!(value is >= 0.1 and <= 3600))
            {
                yield return $"{Section}:{name}: must be between 0.1 and 3600 seconds, not {value}";
            }
        }
    }
}
