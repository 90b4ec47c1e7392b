using System.IO.Pipelines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Listening;
using Milter.Policy.Leases;
using Milter.Protocol.Listening;
using Milter.Protocol.Transport;

namespace Milter.Host.SocketMap;

/// <summary>
/// The Sendmail socketmap server on <c>Milter:Leases:SocketMap:Listen</c>: Sendmail keeps one connection open per
/// child and sends netstring requests on it; each gets one netstring answer (<see cref="SocketMapResponder"/>), every
/// request of a write in order (the shared <see cref="RequestLoop"/>). A malformed netstring gets <c>PERM</c> and the
/// connection is closed (the stream cannot be resynchronised). Runs on the shared <see cref="SocketListener"/> with
/// the caps and deadlines of <see cref="SocketMapSettings"/>: one local user cannot hold enough connections to make
/// the map refuse Sendmail's.
/// </summary>
internal sealed partial class SocketMapService(ILeaseTable leases, SocketMapSettings settings, ILogger<SocketMapService> logger) : IHostedService, IAsyncDisposable
{
    private readonly LogThrottle _malformed = new(TimeSpan.FromMinutes(1));
    private readonly SocketMapRequests _requests = new(new SocketMapResponder(leases, settings.MapName));
    private SocketListener? _listener;

    /// <summary>Where the map listens, with the actual port (for tests on port 0).</summary>
    public string? Endpoint => _listener?.DescribeEndpoint();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string listen = settings.Listen!;
        try
        {
            _listener = new SocketListener(
                new SocketListenerOptions
                {
                    Name = "Socketmap",
                    Listen = listen,
                    SocketMode = (UnixFileMode)Convert.ToInt32(settings.SocketMode, 8),
                    Backlog = 64,
                    MaxConnections = settings.MaxConnections,
                    MaxConnectionsPerPeer = settings.MaxConnectionsPerUser,
                    PeerKey = PeerUser.CapKey,
                },
                ServeAsync,
                logger);
            await _listener.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            _listener = null;
            throw new IOException($"{SocketMapSettings.Section}:Listen {listen}: {ex.Message}", ex);
        }

        Log.SocketMapListening(logger, listen, settings.MapName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => LocalListenerStop.StopAsync(_listener, cancellationToken);

    public ValueTask DisposeAsync() => LocalListenerStop.DisposeAsync(_listener);

    private async Task ServeAsync(ListenerConnection connection)
    {
        var transport = new SocketTransport(connection, new SocketTransportOptions { WriteTimeout = settings.Limits.RequestTimeout });
        connection.OnCloseRequested(static input => ((PipeReader)input!).CancelPendingRead(), transport.Input);
        string reason = await RequestLoop.RunAsync(transport, _requests, settings.Limits, connection.Aborted).ConfigureAwait(false);
        if (reason.StartsWith("malformed", StringComparison.Ordinal))
        {
            if (_malformed.TryEnter(out int suppressed))
            {
                Log.Malformed(logger, connection.Peer ?? connection.Socket.RemoteEndPoint?.ToString() ?? "unix", suppressed);
            }
        }
        else
        {
            Log.SocketMapClosed(logger, connection.Id, reason);
        }
    }
}
