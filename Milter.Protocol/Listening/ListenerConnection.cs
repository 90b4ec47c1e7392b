using System.Net.Sockets;

namespace Milter.Protocol.Listening;

/// <summary>
/// One accepted connection of a <see cref="SocketListener"/>, handed to its connection handler: the socket, the peer
/// it was counted against, the listener's abort token, and the hooks for a stop. The listener disposes the socket
/// once the connection ends: when the handler's task ends, or, for a handler that keeps no task, at <see cref="Complete"/>.
/// </summary>
public sealed class ListenerConnection
{
    private readonly SocketListener _listener;
    private Action<object?>? _onCloseRequested;
    private Action<object?>? _onAbort;
    private object? _state;
    private int _closeRequested;
    private int _completed;

    internal ListenerConnection(SocketListener listener, long id, Socket socket, string? peer, CancellationToken aborted)
    {
        _listener = listener;
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

    /// <summary>
    /// Sets what to do when the listener stops gracefully: end at the next point where the peer loses nothing (a
    /// milter session at QUIT, a request protocol between requests). Runs at once if the stop has already begun.
    /// </summary>
    public void OnCloseRequested(Action<object?> callback, object? state) => OnStop(callback, null, state);

    /// <summary>
    /// As <see cref="OnCloseRequested"/>, and <paramref name="abort"/> runs when the listener gives up waiting (phase
    /// two), for a handler that does not watch <see cref="Aborted"/> (a registration per connection costs memory).
    /// </summary>
    public void OnStop(Action<object?> closeRequested, Action<object?>? abort, object? state)
    {
        _state = state;
        _onAbort = abort;
        Volatile.Write(ref _onCloseRequested, closeRequested);
        if (CloseRequested)
        {
            closeRequested(state);
        }
    }

    /// <summary>
    /// The connection has ended (for handlers started with <see cref="SocketListener"/>'s task-less form): the socket
    /// is disposed and the connection leaves the count; <paramref name="error"/>, if any, is logged. Once only.
    /// </summary>
    public void Complete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _listener.Finish(this, error);
        }
    }

    internal void RequestClose()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            Volatile.Read(ref _onCloseRequested)?.Invoke(_state);
        }
    }

    internal void Abort()
    {
        if (Volatile.Read(ref _onCloseRequested) is not null)
        {
            _onAbort?.Invoke(_state);
        }
    }
}
