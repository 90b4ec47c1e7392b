using Milter.Protocol.Session;

namespace Milter.Protocol.Transport;

/// <summary>Settings of a <see cref="MilterServer"/>.</summary>
public sealed class MilterServerOptions
{
    /// <summary>Where to listen, in Sendmail's <c>S=</c> syntax (the same text goes into sendmail.mc).</summary>
    public string Listen { get; set; } = "inet:8890@127.0.0.1";

    /// <summary>Mode of a unix socket file (the MTA's user must be able to connect). Null leaves the umask's.</summary>
    public UnixFileMode? SocketMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Most connections at once; one more is closed at accept, and the MTA applies its error policy.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>Per-connection timeouts.</summary>
    public MilterSessionOptions Session { get; set; } = new();
}
