using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Admin;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Host.Leases.Feeds.Journal;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;

namespace Milter.Host.Composition;

/// <summary>
/// <c>milter run</c>'s lease services: the configured <see cref="ILeaseTable"/> (one instance for the relay decision,
/// the limits' <c>Leased</c> exemption, the feeds, the admin socket and the socketmap), the sweeper, the admin socket,
/// and each one configured of the socketmap server and the lease feeds: the dracd-compatible RPC listener
/// (<c>Milter:Leases:Drac</c>), the login-log follower (<c>Milter:Leases:LogFollower</c>) and the journal feed
/// (<c>Milter:Leases:Journal</c>).
/// </summary>
internal static partial class LeaseServices
{
    public static IServiceCollection AddMilterLeases(this IServiceCollection services, LeaseSettings settings, AdminSettings admin)
    {
        services.AddSingleton(admin);
        services.AddSingleton<ILeaseTable>(sp => new MeteredLeaseTable(
            Open(settings, sp.GetRequiredService<StatePaths>().Directory, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Leases")),
            sp.GetRequiredService<MilterMetrics>()));
        services.AddHostedService(sp => new LeaseSweeper(sp.GetRequiredService<ILeaseTable>(), settings.TtlValue, sp.GetRequiredService<ILogger<LeaseSweeper>>()));
        if (LeaseStoreSpec.TryParse(settings.Store, out LeaseStoreSpec? spec, out _) && spec.Kind == LeaseStoreKind.Redis)
        {
            services.AddHostedService(sp => new RedisAuthProbe(spec.Target!, settings.Redis.KeyPrefix, TimeSpan.FromSeconds(5), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Leases")));
        }

        services.AddHostedService<AdminSocketService>();
        if (!string.IsNullOrEmpty(settings.SocketMap.Listen))
        {
            services.AddHostedService(sp => new SocketMapService(sp.GetRequiredService<ILeaseTable>(), settings.SocketMap, sp.GetRequiredService<ILogger<SocketMapService>>()));
        }

        return services.AddLeaseFeeds(settings);
    }

    /// <summary>Opens the configured store; an unusable one throws <see cref="LeaseStoreException"/> naming it.</summary>
    public static ILeaseTable Open(LeaseSettings settings, string stateDirectory, ILogger logger)
    {
        if (!LeaseStoreSpec.TryParse(settings.Store, out LeaseStoreSpec? spec, out string? error))
        {
            throw new LeaseStoreException($"{LeaseSettings.Section}:Store: {error}");
        }

        Action<int> evicted = count => Log.Evicted(logger, settings.MaxEntries, count);
        ILeaseTable table = spec.Kind switch
        {
            LeaseStoreKind.Sqlite => SqliteLeaseStore.Open(CreatedSafely(spec.SqlitePath(stateDirectory)), settings.TtlValue, settings.MaxEntries, onEvicted: evicted),
            LeaseStoreKind.Redis => new RedisLeaseStore(spec.Target!, settings.Redis, settings.TtlValue, logger),
            _ => new InMemoryLeaseStore(TimeProvider.System, settings.TtlValue, settings.MaxEntries, evicted),
        };
        Log.Opened(logger, spec.Describe(stateDirectory), settings.TtlValue.TotalSeconds, settings.MaxEntries);
        return table;
    }

    /// <summary>The feeds configured under <c>Milter:Leases</c>; each writes to the one <see cref="ILeaseTable"/> and, retrying, tries no longer than its lease would live.</summary>
    private static IServiceCollection AddLeaseFeeds(this IServiceCollection services, LeaseSettings settings)
    {
        if (settings.Drac.Enabled)
        {
            services.AddHostedService(sp => new DracFeedService(settings.Drac, sp.GetRequiredService<ILeaseTable>(), sp.GetRequiredService<ILogger<DracFeedService>>(), settings.TtlValue, settings.MaxEntries));
        }

        if (settings.LogFollower.Enabled)
        {
            services.AddHostedService(sp => new LogFollowerService(
                settings.LogFollower,
                sp.GetRequiredService<StatePaths>().Directory,
                sp.GetRequiredService<ILeaseTable>(),
                settings.LogFollower.TtlValue ?? settings.TtlValue,
                TimeProvider.System,
                sp.GetRequiredService<ILogger<LogFollowerService>>()));
        }

        if (settings.Journal.Enabled)
        {
            services.AddHostedService(sp => new JournalFeedService(
                settings.Journal,
                sp.GetRequiredService<StatePaths>().Directory,
                sp.GetRequiredService<ILeaseTable>(),
                settings.Journal.TtlValue ?? settings.TtlValue,
                sp.GetRequiredService<ILogger<JournalFeedService>>()));
        }

        return services;
    }

    /// <summary>A new SQLite file is created here, exclusively and not through a symbolic link (SQLite itself would follow one).</summary>
    private static string CreatedSafely(string path)
    {
        try
        {
            if (FileStatus.Of(path) is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                SafeFile.CreateNew(path, SafeFile.Private).Dispose();
            }
        }
        catch (IOException ex)
        {
            throw new LeaseStoreException($"lease store sqlite:{path}: {ex.Message}", ex);
        }

        return path;
    }
}
