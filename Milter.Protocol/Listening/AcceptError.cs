using System.Net.Sockets;

namespace Milter.Protocol.Listening;

/// <summary>What an exception from <c>accept</c> means for the accept loop (as Kestrel's SocketConnectionListener reads them).</summary>
internal enum AcceptError
{
    /// <summary>The listening socket was closed or the accept cancelled: the listener is stopping.</summary>
    Stop,

    /// <summary>The connection was reset or aborted while still in the backlog: accept the next one at once.</summary>
    Retry,

    /// <summary>No file descriptor or kernel memory left (EMFILE, ENFILE, ENOBUFS, ENOMEM): wait, with a growing delay.</summary>
    Exhausted,

    /// <summary>Anything else: log it once, wait a little, keep serving.</summary>
    Other,
}

internal static class AcceptErrors
{
    public static AcceptError Classify(Exception exception) => exception switch
    {
        OperationCanceledException or ObjectDisposedException => AcceptError.Stop,
        SocketException { SocketErrorCode: SocketError.OperationAborted } => AcceptError.Stop,
        SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Interrupted } => AcceptError.Retry,
        SocketException { SocketErrorCode: SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable } => AcceptError.Exhausted,
        _ => AcceptError.Other,
    };

    /// <summary>The resource an exhausted accept lacked, for the log.</summary>
    public static string Resource(Exception exception) =>
        exception is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets } ? "file descriptors" : "kernel memory";

    /// <summary>A one-line description without a stack trace.</summary>
    public static string Describe(Exception exception) => exception is SocketException socket
        ? $"{socket.SocketErrorCode}: {socket.Message}"
        : $"{exception.GetType().Name}: {exception.Message}";
}
