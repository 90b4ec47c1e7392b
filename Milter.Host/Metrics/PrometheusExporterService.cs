using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Milter.Host.Metrics;

/// <summary>
/// Serves meter <c>Milter</c> (and prometheus-net's process metrics) in the Prometheus text format at
/// <c>http://Milter:Metrics:Listen/metrics</c>, through prometheus-net's MeterAdapter and HttpListener-based
/// MetricServer. Registered before the other hosted services, so it listens before the first rule load.
/// </summary>
internal sealed partial class PrometheusExporterService(MetricsSettings settings, ILogger<PrometheusExporterService> logger) : IHostedService, IDisposable
{
    // Decisions take microseconds to milliseconds; a Redis round trip or a slow DNS-less rule load shows above.
    private static readonly double[] SecondsBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private MetricServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IPEndPoint endpoint = settings.Endpoint ?? throw new InvalidOperationException($"{MetricsSettings.Section}:Listen is not set");
        // prometheus-net's default registry: its MeterAdapter is the one that works (a custom registry's adapter
        // exported nothing in 8.2.1). Process metrics stay; event counters and its own debug metrics go.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true });
        Prometheus.Metrics.ConfigureMeterAdapter(options =>
        {
            options.InstrumentFilterPredicate = instrument => instrument.Meter.Name == MilterMetrics.MeterName;
            // The adapter forgets a label set idle this long (prometheus-net's maximum); a rule that decided
            // nothing for a day leaves the scrape until it decides again.
            options.MetricsExpireAfter = TimeSpan.FromDays(1);
            options.ResolveHistogramBuckets = _ => SecondsBuckets;
        });
        CollectorRegistry registry = Prometheus.Metrics.DefaultRegistry;
        // The adapters start listening at the first collection (prometheus-net#487): collect once now, before
        // the first session and the first rule load, so that nothing is missed.
        await registry.CollectAndExportAsTextAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        string host = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        _server = new MetricServer(host, endpoint.Port, "metrics/", registry);
        try
        {
            _server.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new InvalidOperationException($"{MetricsSettings.Section}:Listen {settings.Listen}: {ex.Message}", ex);
        }

        Log.Serving(logger, host, endpoint.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
    }
}
