using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Host.Options;
using Milter.Protocol.Session;
using Milter.Protocol.Transport;

namespace Milter.Host.Listening;

/// <summary>Runs the milter socket server for the host's lifetime; drains sessions on stop (SIGTERM).</summary>
internal sealed partial class MilterListenerService(
    IOptions<ListenerOptions> options,
    Func<IMilterHandler> handlerFactory,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private MilterServer? _server;

    public string? Endpoint => _server?.DescribeEndpoint();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ListenerOptions o = options.Value;
        var serverOptions = new MilterServerOptions
        {
            Listen = o.Listen,
            MaxConnections = o.MaxConnections,
            SocketMode = (UnixFileMode)Convert.ToInt32(o.SocketMode, 8),
            Session = new MilterSessionOptions
            {
                HandlerTimeout = TimeSpan.FromSeconds(o.HandlerTimeoutSeconds),
                IdleTimeout = TimeSpan.FromSeconds(o.IdleTimeoutSeconds),
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
        deadline.CancelAfter(TimeSpan.FromSeconds(options.Value.ShutdownTimeoutSeconds));
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
