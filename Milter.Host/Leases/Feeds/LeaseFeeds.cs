using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Host.Leases.Feeds.Journal;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Host.Options;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds;

/// <summary>
/// The lease feeds of <c>milter run</c>, each off unless configured: the dracd-compatible RPC listener
/// (<c>Milter:Leases:Drac</c>), the login-log follower (<c>Milter:Leases:LogFollower</c>) and the journal feed
/// (<c>Milter:Leases:Journal</c>). All write to the <see cref="ILeaseTable"/> registered for the relay decision.
/// </summary>
internal static class LeaseFeeds
{
    public static IServiceCollection AddLeaseFeeds(this IServiceCollection services, IConfiguration configuration)
    {
        DracSettings drac = Bind<DracSettings>(configuration, DracSettings.Section);
        LogFollowerSettings logs = Bind<LogFollowerSettings>(configuration, LogFollowerSettings.Section);
        JournalSettings journal = Bind<JournalSettings>(configuration, JournalSettings.Section);
        if (!drac.Enabled && !logs.Enabled && !journal.Enabled)
        {
            return services;
        }

        services.TryAddSingleton<ILeaseTable>(_ => new InMemoryLeaseStore()); // only when no lease store was registered
        if (drac.Enabled)
        {
            services.AddSingleton(drac);
            services.AddHostedService<DracFeedService>();
        }

        if (logs.Enabled)
        {
            services.AddHostedService(sp => new LogFollowerService(
                logs,
                sp.GetRequiredService<StatePaths>().Directory,
                sp.GetRequiredService<ILeaseTable>(),
                logs.TtlValue ?? sp.GetService<LeaseSettings>()?.TtlValue ?? InMemoryLeaseStore.DefaultTtl, // retried no longer than the lease would live
                TimeProvider.System,
                sp.GetRequiredService<ILogger<LogFollowerService>>()));
        }

        if (journal.Enabled)
        {
            services.AddHostedService(sp => new JournalFeedService(
                journal,
                sp.GetRequiredService<StatePaths>().Directory,
                sp.GetRequiredService<ILeaseTable>(),
                journal.TtlValue ?? sp.GetService<LeaseSettings>()?.TtlValue ?? InMemoryLeaseStore.DefaultTtl,
                sp.GetRequiredService<ILogger<JournalFeedService>>()));
        }

        return services;
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : class, new() => SettingsBinder.Bind(configuration, section, new T());
}
