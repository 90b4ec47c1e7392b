using System.Net.Sockets;
using System.Runtime.InteropServices;
using Milter.Protocol.Session;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Listening;

/// <summary>
/// One accepted connection of a <see cref="SocketListener"/>, handed to its connection handler: the socket, the peer
/// it was counted against, the listener's abort token, and the hooks for a stop. The listener disposes the socket
/// once the connection ends: when the handler's task ends, or, for a handler that keeps no task, at <see cref="Complete"/>.
/// A connection accepted on Linux is its descriptor: the <see cref="Socket"/> object is made the first time it is
/// asked for (a <see cref="SocketTransport"/> asks only when it must wait for the peer).
/// </summary>
public sealed class ListenerConnection : IConnectedSocket, ISessionOwner, IListLinks<ListenerConnection>
{
    private readonly SocketListener _listener;
    private readonly SafeHandle _handle;
    private Socket? _socket;
    private IStopHooks? _hooks; // one object for what a stop does (a milter session is its own): no delegates per connection
    private const int CloseRequestedFlag = 1;
    private const int CompletedFlag = 2;
    private const int RegisteredFlag = 4;
    private int _flags; // one word for the three, each changed atomically: an idle connection is 8 bytes smaller

    // The listener's list of open connections (ConnectionRegistry's IntrusiveList, under its lock).
    private ListenerConnection? _previousOpen;
    private ListenerConnection? _nextOpen;

    internal ListenerConnection(SocketListener listener, long id, SafeHandle handle, Socket? socket, string? peer)
    {
        _listener = listener;
        _handle = handle;
        _socket = socket;
        Id = id;
        Peer = peer;
    }

    /// <summary>Sequence number of this connection on its listener (1, 2, …).</summary>
    public long Id { get; }

    /// <summary>The connection's socket (made from its descriptor on first use).</summary>
    public Socket Socket => Volatile.Read(ref _socket) ?? MakeSocket();

    /// <summary>True for a TCP connection (inet, inet6), false for a unix socket.</summary>
    public bool IsTcp => _listener.AcceptsTcp;

    ListenerConnection? IListLinks<ListenerConnection>.Previous { get => _previousOpen; set => _previousOpen = value; }

    ListenerConnection? IListLinks<ListenerConnection>.Next { get => _nextOpen; set => _nextOpen = value; }

    /// <summary>In the listener's list of open connections (set and read under the registry's lock).</summary>
    bool IListLinks<ListenerConnection>.Linked
    {
        get => (Volatile.Read(ref _flags) & RegisteredFlag) != 0;
        set
        {
            if (value)
            {
                Interlocked.Or(ref _flags, RegisteredFlag);
            }
            else
            {
                Interlocked.And(ref _flags, ~RegisteredFlag);
            }
        }
    }

    SafeHandle IConnectedSocket.Handle => _handle;

    /// <summary>The peer key the per-peer cap counted this connection against, or null.</summary>
    public string? Peer { get; }

    /// <summary>Cancelled when the listener gives up waiting at stop (phase two): end now.</summary>
    public CancellationToken Aborted => _listener.AbortToken;

    /// <summary>True once the listener asked the connection to finish (phase one of a stop).</summary>
    public bool CloseRequested => (Volatile.Read(ref _flags) & CloseRequestedFlag) != 0;

    /// <summary>
    /// Sets what to do when the listener stops gracefully: end at the next point where the peer loses nothing (a
    /// milter session at QUIT, a request protocol between requests). Runs at once if the stop has already begun.
    /// </summary>
    public void OnCloseRequested(Action<object?> callback, object? state) => OnStop(callback, null, state);

    /// <summary>
    /// As <see cref="OnCloseRequested"/>, and <paramref name="abort"/> runs when the listener gives up waiting (phase
    /// two), for a handler that does not watch <see cref="Aborted"/> (a registration per connection costs memory).
    /// </summary>
    public void OnStop(Action<object?> closeRequested, Action<object?>? abort, object? state) =>
        OnStop(new DelegateHooks(closeRequested, abort, state));

    /// <summary>As <see cref="OnStop(Action{object?}, Action{object?}?, object?)"/>, with hooks that are an object the connection's handler already has.</summary>
    internal void OnStop(IStopHooks hooks)
    {
        Volatile.Write(ref _hooks, hooks);
        if (CloseRequested)
        {
            hooks.CloseRequested();
        }
    }

    /// <summary>
    /// The connection has ended (for handlers started with <see cref="SocketListener"/>'s task-less form): the socket
    /// is disposed and the connection leaves the count; <paramref name="error"/>, if any, is logged. Once only.
    /// </summary>
    public void Complete(Exception? error = null)
    {
        if (SetFlag(CompletedFlag))
        {
            _listener.Finish(this, error);
        }
    }

    CancellationToken ISessionOwner.Token => Aborted;

    long ISessionOwner.ConnectionNumber => Id;

    void ISessionOwner.SessionEnded(Exception? error) => Complete(error);

    /// <summary>Closes the socket (or only its descriptor when no <see cref="Socket"/> was made).</summary>
    internal void CloseSocket()
    {
        lock (_handle)
        {
            Close(_handle, _socket);
        }
    }

    /// <summary>A <see cref="System.Net.Sockets.Socket"/> over <paramref name="handle"/>'s descriptor that does not own it: the descriptor stays the caller's to close.</summary>
    internal static Socket SocketOver(SafeHandle handle) => new(new SafeSocketHandle(handle.DangerousGetHandle(), ownsHandle: false));

    /// <summary>Closes a connection's socket, if one was made, then its descriptor.</summary>
    internal static void Close(SafeHandle handle, Socket? socket)
    {
        socket?.Dispose(); // first: it ends the runtime's operations on the descriptor, and closes a socket of the runtime's own gracefully
        handle.Dispose();
    }

    private Socket MakeSocket()
    {
        lock (_handle)
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, typeof(Socket));
            return _socket ??= SocketOver(_handle);
        }
    }

    internal void RequestClose()
    {
        if (SetFlag(CloseRequestedFlag))
        {
            Volatile.Read(ref _hooks)?.CloseRequested();
        }
    }

    internal void Abort() => Volatile.Read(ref _hooks)?.Abort();

    /// <summary>Sets <paramref name="flag"/>; true when this call set it (it was clear).</summary>
    private bool SetFlag(int flag) => (Interlocked.Or(ref _flags, flag) & flag) == 0;

    private sealed class DelegateHooks(Action<object?> closeRequested, Action<object?>? abort, object? state) : IStopHooks
    {
        public void CloseRequested() => closeRequested(state);

        public void Abort() => abort?.Invoke(state);
    }
}
