using System.Net.Sockets;

namespace Milter.Protocol.Listening;

/// <summary>
/// One accepted connection of a <see cref="SocketListener"/>, handed to its connection handler: the socket, the peer
/// it was counted against, the listener's abort token, and the hook for a graceful stop. The listener disposes the
/// socket once the handler's task ends.
/// </summary>
public sealed class ListenerConnection
{
    private Action<object?>? _onCloseRequested;
    private object? _state;
    private int _closeRequested;

    internal ListenerConnection(long id, Socket socket, string? peer, CancellationToken aborted)
    {
        Id = id;
        Socket = socket;
        Peer = peer;
        Aborted = aborted;
    }

    /// <summary>Sequence number of this connection on its listener (1, 2, …).</summary>
    public long Id { get; }

    public Socket Socket { get; }

    /// <summary>The peer key the per-peer cap counted this connection against, or null.</summary>
    public string? Peer { get; }

    /// <summary>Cancelled when the listener gives up waiting at stop (phase two): end now.</summary>
    public CancellationToken Aborted { get; }

    /// <summary>True once the listener asked the connection to finish (phase one of a stop).</summary>
    public bool CloseRequested => Volatile.Read(ref _closeRequested) == 1;

    internal Task? Task { get; set; }

    /// <summary>
    /// Sets what to do when the listener stops gracefully: end at the next point where the peer loses nothing (a
    /// milter session at QUIT, a request protocol between requests). Runs at once if the stop has already begun.
    /// </summary>
    public void OnCloseRequested(Action<object?> callback, object? state)
    {
        _state = state;
        Volatile.Write(ref _onCloseRequested, callback);
        if (CloseRequested)
        {
            callback(state);
        }
    }

    internal void RequestClose()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            Volatile.Read(ref _onCloseRequested)?.Invoke(_state);
        }
    }
}
