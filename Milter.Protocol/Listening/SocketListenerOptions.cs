using System.Net.Sockets;

namespace Milter.Protocol.Listening;

/// <summary>Settings of one <see cref="SocketListener"/>.</summary>
public sealed class SocketListenerOptions
{
    /// <summary>What the listener serves, for its log lines (<c>milter</c>, <c>admin socket</c>, <c>socketmap</c>).</summary>
    public string Name { get; set; } = "milter";

    /// <summary>Where to listen, in Sendmail's <c>S=</c> syntax (<c>inet:PORT@HOST</c>, <c>inet6:…</c>, <c>unix:PATH</c>).</summary>
    public string Listen { get; set; } = "inet:8890@127.0.0.1";

    /// <summary>Mode of a unix socket file. Null leaves the umask's.</summary>
    public UnixFileMode? SocketMode { get; set; }

    /// <summary>Run on a unix socket file right after bind, before listen (e.g. to give it to a group).</summary>
    public Action<string>? AfterBind { get; set; }

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>Most connections at once; one more is accepted and closed at once.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Most connections at once from one peer (as named by <see cref="PeerKey"/>); 0 = no such cap.</summary>
    public int MaxConnectionsPerPeer { get; set; }

    /// <summary>
    /// Names the peer of an accepted socket for <see cref="MaxConnectionsPerPeer"/> (e.g. <c>uid 1000</c>); null = a peer
    /// that is not capped on its own. Runs on the accept loop: it must be quick.
    /// </summary>
    public Func<Socket, string?>? PeerKey { get; set; }

    /// <summary>Kernel send buffer of each accepted socket (bytes; 0 = the system's, which grows to megabytes for a peer that does not read).</summary>
    public int SendBufferSize { get; set; } = 64 * 1024;
}
