using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Listening;
using Milter.Protocol.Session;

namespace Milter.Protocol.Transport;

/// <summary>
/// Accepts MTA connections on a socket spec (through the shared <see cref="SocketListener"/>) and runs one
/// <see cref="MilterSession"/> each, all on the thread pool (no thread per connection). Stops in two phases: stop
/// accepting and let sessions end at QUIT/QUIT_NC, then, at the deadline, close the rest and log how many.
/// </summary>
public sealed class MilterServer : IAsyncDisposable
{
    private readonly MilterServerOptions _options;
    private readonly Func<IMilterHandler> _handlerFactory;
    private readonly ILogger _logger;
    private readonly SocketTransportOptions _transport;
    private readonly SocketListener _listener;
    private readonly SessionShared _sessions;

    public MilterServer(MilterServerOptions options, Func<IMilterHandler> handlerFactory, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _handlerFactory = handlerFactory;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Milter.Protocol.Server");
        _sessions = new SessionShared(options.Session, _logger);
        _transport = new SocketTransportOptions { WriteTimeout = options.Session.WriteTimeout };
        _listener = new SocketListener(
            new SocketListenerOptions
            {
                Name = "Milter",
                Listen = options.Listen,
                SocketMode = options.SocketMode,
                Backlog = options.Backlog,
                MaxConnections = options.MaxConnections,
            },
            Serve,
            _logger);
    }

    /// <summary>The bound endpoint (with the real port when listening on port 0).</summary>
    public EndPoint? LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _listener.ConnectionCount;

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedCount => _listener.AcceptedCount;

    /// <summary>Binds the socket (replacing a stale unix socket file) and starts accepting.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => _listener.StartAsync(cancellationToken);

    /// <summary>A printable form of where the server listens, with the actual port.</summary>
    public string DescribeEndpoint() => _listener.DescribeEndpoint();

    /// <summary>
    /// Graceful stop: no new connections; sessions end at their next QUIT/QUIT_NC (idle ones at once); when
    /// <paramref name="cancellationToken"/> fires, the remaining connections are closed and counted in the log.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => _listener.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    // The session completes both pipes when it ends and then the connection, whose listener disposes the socket.
    // No task or registration per connection: an idle one is its session, its parked read and the listener's entry.
    private void Serve(ListenerConnection connection)
    {
        var transport = new SocketTransport(connection, _transport);
        var session = new MilterSession(transport, _handlerFactory(), _sessions);
        connection.OnStop(session); // the session is its own stop hooks, the connection its owner: no delegate, no registration
        session.Start(connection);
    }
}
