using System.ComponentModel.DataAnnotations;

namespace Milter.Host.Listening;

/// <summary>Settings under <c>Milter:Listener</c>.</summary>
public sealed class ListenerSettings
{
    public const string Section = "Milter:Listener";

    /// <summary>sun_path holds 108 bytes, the last one the terminating NUL.</summary>
    public const int MaxUnixSocketPath = 107;

    /// <summary>Socket in Sendmail's <c>S=</c> syntax; the default is loopback only.</summary>
    public string Listen { get; set; } = "inet:8890@127.0.0.1";

    /// <summary>Mode of a unix socket file, octal (e.g. "660").</summary>
    public string SocketMode { get; set; } = "660";

    /// <summary>Open milter connections; up to the kernel's largest file table of one process (fs.nr_open).</summary>
    [Range(1, 1_048_576)]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// Seconds a handler may take for one step before the connection is closed: below the MTA's wait for an answer
    /// (Sendmail <c>T=R:10s</c>, Postfix <c>milter_command_timeout = 10s</c> in the snippets), so the milter cuts and
    /// logs a stuck step before the MTA gives up on it.
    /// </summary>
    [Range(0.1, 3600)]
    public double HandlerTimeoutSeconds { get; set; } = 8;

    /// <summary>Seconds the MTA may stay silent between packets.</summary>
    [Range(1, 86_400)]
    public double IdleTimeoutSeconds { get; set; } = 7210;

    /// <summary>Seconds a whole packet (length and payload) may take from its first byte.</summary>
    [Range(0.1, 3600)]
    public double FrameTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds a reply may wait for the MTA to read it (its socket buffer full) before the connection is closed.</summary>
    [Range(0.1, 3600)]
    public double WriteTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds sessions may take to reach QUIT at shutdown before they are closed.</summary>
    [Range(0.1, 3600)]
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>Permission bits in octal, <c>000</c> to <c>777</c> (a leading 0 allowed): no set-id or sticky bits on a socket.</summary>
    internal static bool IsSocketMode(string mode) =>
        (mode.Length == 3 || (mode.Length == 4 && mode[0] == '0')) && mode.All(c => c is >= '0' and <= '7');

    /// <summary>A unix socket whose path does not fit sun_path (bind would fail at start).</summary>
    internal static bool UnixPathTooLong(Milter.Protocol.Transport.MilterSocketSpec spec) =>
        spec.IsUnix && System.Text.Encoding.UTF8.GetByteCount(spec.Path!) > MaxUnixSocketPath;

    public IEnumerable<string> Validate()
    {
        if (!Milter.Protocol.Transport.MilterSocketSpec.TryParse(Listen, out var spec, out string? error))
        {
            yield return $"{Section}:Listen: {error}";
        }
        else if (UnixPathTooLong(spec))
        {
            yield return $"{Section}:Listen: '{Listen}': a unix socket path holds at most {MaxUnixSocketPath} bytes";
        }

        if (!IsSocketMode(SocketMode))
        {
            yield return $"{Section}:SocketMode: '{SocketMode}' is not an octal mode from 000 to 777, like 660";
        }
    }
}
