using Microsoft.Extensions.DependencyInjection;
using Milter.Host.Logging;
using Milter.Host.Metrics;

namespace Milter.Host.Composition;

/// <summary><c>milter run</c>'s meter <c>Milter</c> and, when <c>Milter:Metrics:Listen</c> is set, its Prometheus endpoint.</summary>
internal static class MetricsServices
{
    /// <summary>Call it first: the endpoint listens before the rules load.</summary>
    public static IServiceCollection AddMilterMetrics(this IServiceCollection services, MetricsSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(sp =>
        {
            var meters = new MilterMetrics();
            MilterLoggerProvider log = sp.GetRequiredService<MilterLoggerProvider>();
            meters.ObserveDroppedLogLines(() => log.Dropped);
            return meters;
        });
        if (!string.IsNullOrEmpty(settings.Listen))
        {
            services.AddHostedService<PrometheusExporterService>();
        }

        return services;
    }
}
