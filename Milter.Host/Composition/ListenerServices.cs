using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Adapters;
using Milter.Host.Limits;
using Milter.Host.Listening;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Policy;
using Milter.Protocol.Session;

namespace Milter.Host.Composition;

/// <summary>
/// <c>milter run</c>'s milter socket (<c>Milter:Listener</c>): one <see cref="PolicyMilterHandler"/> per MTA connection,
/// asking the policy and the limits. Call it last: the MTA connects once everything it needs is running.
/// </summary>
internal static class ListenerServices
{
    public static IServiceCollection AddMilterListener(this IServiceCollection services, MilterSettings settings)
    {
        services.AddSingleton<Func<IMilterHandler>>(sp =>
        {
            PolicyEngine engine = sp.GetRequiredService<PolicyEngine>();
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Decisions");
            Milter.Policy.Limits.LimitEngine? limits = sp.GetRequiredService<LimitHolder>().Engine;
            MilterMetrics meters = sp.GetRequiredService<MilterMetrics>();
            var shared = new HandlerServices(engine, logger, limits, meters); // one reference per connection, not four
            return () => new PolicyMilterHandler(shared);
        });
        int otherConnections = settings.Admin.MaxConnections + (string.IsNullOrEmpty(settings.Leases.SocketMap.Listen) ? 0 : settings.Leases.SocketMap.MaxConnections);
        services.AddHostedService<Milter.Host.Memory.IdleMemoryTrimmer>(); // idle connections hold their objects, not the collector's slack
        services.AddHostedService(sp => new MilterListenerService(settings.Listener, otherConnections, sp.GetRequiredService<Func<IMilterHandler>>(), sp.GetRequiredService<ILoggerFactory>()));

        // The listener drains for ShutdownTimeoutSeconds; the host must not cut it short (systemd's TimeoutStopSec is longer still).
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(60, settings.Listener.ShutdownTimeoutSeconds + 15)));
        return services;
    }
}
