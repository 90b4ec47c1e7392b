using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Session;
using Milter.Protocol.Transport;

namespace Milter.Host.Listening;

/// <summary>
/// Runs the milter socket server for the host's lifetime; drains sessions on stop (SIGTERM). At start its connection
/// cap, with the admin socket's and the socketmap's, is fitted under RLIMIT_NOFILE (<see cref="DescriptorBudget"/>).
/// </summary>
/// <param name="settings">The milter socket's settings.</param>
/// <param name="otherConnections">The connections the other listeners (admin socket, socketmap) may hold at once.</param>
/// <param name="handlerFactory">One handler per MTA connection.</param>
/// <param name="loggerFactory">The host's loggers.</param>
internal sealed partial class MilterListenerService(
    ListenerSettings settings,
    int otherConnections,
    Func<IMilterHandler> handlerFactory,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private MilterServer? _server;

    public string? Endpoint => _server?.DescribeEndpoint();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var serverOptions = new MilterServerOptions
        {
            Listen = settings.Listen,
            MaxConnections = DescriptorBudget.Fit(settings.MaxConnections, otherConnections, loggerFactory.CreateLogger("Milter.Host")),
            SocketMode = (UnixFileMode)Convert.ToInt32(settings.SocketMode, 8),
            Session = new MilterSessionOptions
            {
                HandlerTimeout = TimeSpan.FromSeconds(settings.HandlerTimeoutSeconds),
                IdleTimeout = TimeSpan.FromSeconds(settings.IdleTimeoutSeconds),
                FrameTimeout = TimeSpan.FromSeconds(settings.FrameTimeoutSeconds),
                WriteTimeout = TimeSpan.FromSeconds(settings.WriteTimeoutSeconds),
            },
        };
        _server = new MilterServer(serverOptions, handlerFactory, loggerFactory);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.ShutdownTimeoutSeconds));
        await _server.StopAsync(deadline.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
