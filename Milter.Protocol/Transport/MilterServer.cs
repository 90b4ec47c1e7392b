using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Session;

namespace Milter.Protocol.Transport;

/// <summary>
/// Accepts MTA connections on a socket spec and runs one <see cref="MilterSession"/> each, all on the thread
/// pool (no thread per connection). Stops in two phases: stop accepting and let sessions end at QUIT/QUIT_NC,
/// then, at the deadline, close the rest and log how many.
/// </summary>
public sealed class MilterServer : IAsyncDisposable
{
    private readonly MilterServerOptions _options;
    private readonly Func<IMilterHandler> _handlerFactory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (MilterSession Session, Task Task)> _sessions = new();
    private readonly CancellationTokenSource _abortSessions = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextId;
    private MilterSocketSpec? _spec;

    public MilterServer(MilterServerOptions options, Func<IMilterHandler> handlerFactory, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _handlerFactory = handlerFactory;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Milter.Protocol.Server");
    }

    /// <summary>The bound endpoint (with the real port when listening on port 0).</summary>
    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _sessions.Count;

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedCount => Interlocked.Read(ref _nextId);

    /// <summary>Binds the socket (replacing a stale unix socket file) and starts accepting.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _spec = MilterSocketSpec.Parse(_options.Listen);
        EndPoint endPoint = await _spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (_spec.IsUnix)
        {
            await RemoveStaleSocketAsync(_spec.Path!, cancellationToken).ConfigureAwait(false);
        }

        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, _spec.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            if (!_spec.IsUnix)
            {
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    listener.DualMode = false;
                }
            }

            listener.Bind(endPoint);
            if (_spec.IsUnix && _options.SocketMode is UnixFileMode mode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_spec.Path!, mode);
            }

            listener.Listen(_options.Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        Log.Listening(_logger, DescribeEndpoint());
        _acceptLoop = AcceptLoopAsync(listener);
    }

    /// <summary>A printable form of where the server listens, with the actual port.</summary>
    public string DescribeEndpoint() => _listener?.LocalEndPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"inet6:{ip.Port}@{ip.Address}",
        IPEndPoint ip => $"inet:{ip.Port}@{ip.Address}",
        UnixDomainSocketEndPoint => $"unix:{_spec?.Path}",
        _ => _options.Listen,
    };

    /// <summary>
    /// Graceful stop: no new connections; sessions end at their next QUIT/QUIT_NC (idle ones at once); when
    /// <paramref name="cancellationToken"/> fires, the remaining connections are closed and counted in the log.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        if (_spec is { IsUnix: true })
        {
            TryDelete(_spec.Path!);
        }

        Log.ShutdownDraining(_logger, _sessions.Count);
        foreach ((MilterSession session, Task _) in _sessions.Values)
        {
            session.RequestStop();
        }

        Task all = Task.WhenAll(_sessions.Values.Select(s => s.Task));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.ShutdownClean(_logger);
        }
        catch (OperationCanceledException)
        {
            int remaining = _sessions.Count;
            await _abortSessions.CancelAsync().ConfigureAwait(false);
            try
            {
                await all.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            Log.ShutdownAborted(_logger, remaining);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopAccepting.IsCancellationRequested)
        {
            using var now = new CancellationTokenSource(TimeSpan.Zero);
            await StopAsync(now.Token).ConfigureAwait(false);
        }

        _stopAccepting.Dispose();
        _abortSessions.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopAccepting.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopAccepting.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // e.g. a connection reset while still in the backlog: keep accepting.
                Log.AcceptFailed(_logger, ex);
                continue;
            }

            if (_sessions.Count >= _options.MaxConnections)
            {
                Log.ConnectionLimitReached(_logger, socket.RemoteEndPoint?.ToString() ?? "unix", _sessions.Count);
                socket.Dispose();
                continue;
            }

            long id = Interlocked.Increment(ref _nextId);
            var transport = new SocketTransport(socket);
            var session = new MilterSession(transport, _handlerFactory(), _options.Session, _logger, id.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            // The session starts on this thread once registered (no thread-pool hop per connection: the MTA's
            // OPTNEG is usually waiting already), and returns here at its first read that has to wait.
            var start = new TaskCompletionSource();
            Task task = RunSessionAsync(id, session, transport, start.Task);
            _sessions[id] = (session, task);
            start.SetResult();
        }
    }

    private async Task RunSessionAsync(long id, MilterSession session, SocketTransport transport, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await session.RunAsync(_abortSessions.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, session.Context.ConnectionId, MilterCommandCode.Quit);
        }
        finally
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            _sessions.TryRemove(id, out _);
        }
    }

    private async Task RemoveStaleSocketAsync(string path, CancellationToken cancellationToken)
    {
        if (!Path.Exists(path))
        {
            return;
        }

        if (Directory.Exists(path) || IsOpenableFile(path))
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            File.Delete(path);
            Log.StaleSocketRemoved(_logger, path);
            return;
        }

        throw new IOException($"another process is listening on {path}");
    }

    // A socket file cannot be opened for reading (ENXIO); a regular file can.
    private static bool IsOpenableFile(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
