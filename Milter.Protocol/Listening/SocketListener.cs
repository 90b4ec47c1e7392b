using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Listening;

/// <summary>
/// The one accept loop of every socket server here (milter, admin socket, socketmap): binds a socket spec, accepts,
/// admits a connection under the listener's cap and its peer's cap, runs the connection handler on it (inline until
/// its first wait: no thread-pool hop per connection), and stops in two phases. Accept errors are handled as
/// Kestrel's socket listener does: a reset in the backlog is retried, a closed listener means stop, and a lack of
/// file descriptors or kernel memory pauses accepting with a growing delay (10 ms doubling to 1 s) and logs one line
/// when it begins and one with the count when it ends, instead of spinning and logging every failed accept. A
/// connection that would leave the process fewer than <see cref="DescriptorHeadroom.Size"/> descriptors is closed at once.
/// On Linux it accepts on the listening descriptor itself (<see cref="ReadinessAcceptor"/>): a connection is its
/// descriptor, and the runtime's <see cref="Socket"/> object is made only if something asks for it.
/// </summary>
public sealed class SocketListener : IAsyncDisposable
{
    internal static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    private readonly SocketListenerOptions _options;
    private readonly Func<ListenerConnection, Task>? _onConnection;
    private readonly Action<ListenerConnection>? _startConnection;
    private readonly ILogger _logger;
    private readonly ConnectionRegistry _registry;
    private readonly ListenerEvents _events;
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationToken _abortToken;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<CancellationToken, ValueTask<Socket>>? _accept;
    private ReadinessAcceptor? _acceptor; // Linux: accept4 on the descriptor, no Socket per connection
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private MilterSocketSpec? _spec;
    private Socket? _socket;
    private Task _acceptLoop = Task.CompletedTask;
    private long _accepted;
    private int _stopping;

    /// <param name="options">Where to listen and the caps.</param>
    /// <param name="onConnection">Serves one connection; its task is the connection's lifetime (the listener then disposes the socket).</param>
    /// <param name="logger">Where the listener's own lines go.</param>
    public SocketListener(SocketListenerOptions options, Func<ListenerConnection, Task> onConnection, ILogger? logger = null)
        : this(options, onConnection, logger, TimeProvider.System, accept: null, delay: null)
    {
    }

    /// <param name="options">Where to listen and the caps.</param>
    /// <param name="startConnection">
    /// Starts serving one connection and returns; the connection lives until the handler calls
    /// <see cref="ListenerConnection.Complete"/> (no task per connection: what a server of many idle connections wants).
    /// </param>
    /// <param name="logger">Where the listener's own lines go.</param>
    public SocketListener(SocketListenerOptions options, Action<ListenerConnection> startConnection, ILogger? logger = null)
        : this(options, null, logger, TimeProvider.System, accept: null, delay: null, startConnection)
    {
    }

    /// <summary>For tests: an accept and a delay of their own in place of the socket's and the clock's.</summary>
    internal SocketListener(
        SocketListenerOptions options,
        Func<ListenerConnection, Task>? onConnection,
        ILogger? logger,
        TimeProvider time,
        Func<CancellationToken, ValueTask<Socket>>? accept,
        Func<TimeSpan, CancellationToken, Task>? delay,
        Action<ListenerConnection>? startConnection = null)
    {
        _options = options;
        _onConnection = onConnection;
        _startConnection = startConnection;
        _logger = logger ?? NullLogger.Instance;
        _registry = new ConnectionRegistry(options.MaxConnections, options.MaxConnectionsPerPeer);
        _events = new ListenerEvents(options.Name, _logger, time, options.MaxConnections, options.MaxConnectionsPerPeer);
        _accept = accept;
        _delay = delay ?? ((wait, token) => Task.Delay(wait, time, token));
        _abortToken = _abort.Token;
    }

    /// <summary>Cancelled when a stop gives up waiting (phase two): every connection's <see cref="ListenerConnection.Aborted"/>.</summary>
    internal CancellationToken AbortToken => _abortToken;

    /// <summary>The bound endpoint (with the real port when listening on port 0).</summary>
    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _registry.Count;

    /// <summary>Connections accepted since start, the refused ones included.</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    /// <summary>True when this listener is on TCP (inet, inet6): its connections are TCP connections.</summary>
    internal bool AcceptsTcp => _spec is { IsUnix: false };

    /// <summary>Where the listener listens, in spec syntax with the actual port.</summary>
    public string DescribeEndpoint() => ListenSocket.Describe(_socket, _spec, _options.Listen);

    /// <summary>Binds (a stale unix socket file is replaced, a live one or any other file refused) and starts accepting.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _spec = MilterSocketSpec.Parse(_options.Listen);
        if (_accept is null)
        {
            Socket socket = await ListenSocket.BindAsync(_spec, _options, _logger, cancellationToken).ConfigureAwait(false);
            _socket = socket;
            _acceptor = ReadinessAcceptor.TryCreate(socket);
            _accept = token => socket.AcceptAsync(token);
            Log.Listening(_logger, _options.Name, DescribeEndpoint());
        }

        _acceptLoop = AcceptLoopAsync(_accept, _acceptor);
    }

    /// <summary>
    /// Two-phase stop: no new connections, and every open one is asked to finish (<see cref="ListenerConnection.OnCloseRequested"/>);
    /// when <paramref name="cancellationToken"/> fires first, the rest are aborted (<see cref="ListenerConnection.Aborted"/>),
    /// given two more seconds, and counted in the log.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _stopAccepting.CancelAsync().ConfigureAwait(false);
            _socket?.Dispose();
            await _acceptLoop.ConfigureAwait(false);
            if (_socket is not null && _spec is { IsUnix: true, Path: { } path })
            {
                ListenSocket.TryDelete(path);
            }

            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _stopping) == 0)
        {
            using var now = new CancellationTokenSource(TimeSpan.Zero);
            await StopAsync(now.Token).ConfigureAwait(false);
        }

        await _stopped.Task.ConfigureAwait(false);
        _stopAccepting.Dispose();
        _abort.Dispose();
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        ListenerConnection[] open = _registry.Snapshot();
        Log.ShutdownDraining(_logger, _options.Name, open.Length);
        foreach (ListenerConnection connection in open)
        {
            connection.RequestClose();
        }

        if (_registry.Count == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.ShutdownClean(_logger, _options.Name);
        }
        catch (OperationCanceledException)
        {
            int remaining = _registry.Count;
            await _abort.CancelAsync().ConfigureAwait(false);
            foreach (ListenerConnection connection in _registry.Snapshot())
            {
                connection.Abort();
            }

            await _drained.Task.WaitAsync(AbortWait, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Log.ShutdownAborted(_logger, _options.Name, remaining);
        }
    }

    private async Task AcceptLoopAsync(Func<CancellationToken, ValueTask<Socket>> accept, ReadinessAcceptor? acceptor)
    {
        try
        {
            await AcceptUntilStoppedAsync(accept, acceptor).ConfigureAwait(false);
        }
        finally
        {
            acceptor?.Close();
        }
    }

    private async Task AcceptUntilStoppedAsync(Func<CancellationToken, ValueTask<Socket>> accept, ReadinessAcceptor? acceptor)
    {
        var backoff = new AcceptBackoff();
        CancellationToken stopping = _stopAccepting.Token;
        while (!stopping.IsCancellationRequested)
        {
            SafeHandle handle;
            Socket? socket = null;
            try
            {
                if (acceptor is not null)
                {
                    handle = await acceptor.AcceptAsync(stopping).ConfigureAwait(false);
                }
                else
                {
                    socket = await accept(stopping).ConfigureAwait(false);
                    handle = socket.SafeHandle;
                }
            }
            catch (Exception ex)
            {
                AcceptError error = stopping.IsCancellationRequested ? AcceptError.Stop : AcceptErrors.Classify(ex);
                if (error == AcceptError.Stop)
                {
                    return;
                }

                if (error == AcceptError.Retry)
                {
                    continue; // reset while in the backlog: the next one may be fine
                }

                _events.AcceptFailed(ex, error, _registry.Count);
                await _delay(backoff.Next(), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            backoff.Reset();
            _events.AcceptSucceeded();
            Admit(handle, socket);
        }
    }

    private void Admit(SafeHandle handle, Socket? socket)
    {
        long id = Interlocked.Increment(ref _accepted);
        string? peer = null;
        try
        {
            if (_options.PeerKey is { } peerKey)
            {
                socket ??= ListenerConnection.SocketOver(handle); // a listener that tells peers apart asks the socket anyway
                peer = peerKey(socket);
            }

            if (_options.SendBufferSize > 0)
            {
                if (socket is not null)
                {
                    socket.SendBufferSize = _options.SendBufferSize;
                }
                else
                {
                    RawSocket.SetSendBufferSize(handle, _options.SendBufferSize);
                }
            }
        }
        catch (SocketException ex)
        {
            // The peer is gone already (getsockopt on a reset socket): nothing to serve.
            _events.AcceptFailed(ex, AcceptError.Other, _registry.Count);
            ListenerConnection.Close(handle, socket);
            return;
        }

        if (DescriptorHeadroom.TooClose(handle, out long descriptor, out long limit))
        {
            _events.RefusedNearDescriptorLimit(descriptor, limit);
            ListenerConnection.Close(handle, socket);
            return;
        }

        var connection = new ListenerConnection(this, id, handle, socket, peer);
        switch (_registry.TryAdd(connection))
        {
            case Admission.ListenerFull:
                _events.Refused(peer: null);
                connection.CloseSocket();
                return;
            case Admission.PeerFull:
                _events.Refused(peer);
                connection.CloseSocket();
                return;
        }

        _events.Admitted(peer);
        if (_startConnection is not null)
        {
            try
            {
                _startConnection(connection);
            }
            catch (Exception ex)
            {
                connection.Complete(ex);
            }

            return;
        }

        _ = RunAsync(connection);
    }

    /// <summary>A connection has ended: its socket is closed and it leaves the count (the last one at a stop ends the drain).</summary>
    internal void Finish(ListenerConnection connection, Exception? error)
    {
        if (error is not null)
        {
            Log.ConnectionFailed(_logger, error, _options.Name, connection.Id);
        }

        connection.CloseSocket();
        if (_registry.Remove(connection) == 0 && Volatile.Read(ref _stopping) == 1)
        {
            _drained.TrySetResult();
        }
    }

    private async Task RunAsync(ListenerConnection connection)
    {
        Exception? error = null;
        try
        {
            await _onConnection!(connection).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            connection.Complete(error);
        }
    }
}
