using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Admin;
using Milter.Host.Files;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;

namespace Milter.Host.Leases;

/// <summary>
/// <c>milter run</c>'s lease services: the configured <see cref="ILeaseTable"/> (one instance for the relay decision,
/// the limits' <c>Leased</c> exemption, the feeds, the admin socket and the socketmap), the sweeper, the admin socket
/// and, when configured, the socketmap server.
/// </summary>
internal static partial class LeaseServices
{
    public static void Add(IServiceCollection services, LeaseSettings settings, AdminSettings admin)
    {
        services.AddSingleton(settings);
        services.AddSingleton(admin);
        services.AddSingleton<ILeaseTable>(sp => new MeteredLeaseTable(
            Open(settings, sp.GetRequiredService<StatePaths>().Directory, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Leases")),
            sp.GetRequiredService<MilterMetrics>()));
        services.AddHostedService<LeaseSweeper>();
        if (LeaseStoreSpec.TryParse(settings.Store, out LeaseStoreSpec? spec, out _) && spec.Kind == LeaseStoreKind.Redis)
        {
            services.AddHostedService(sp => new RedisAuthProbe(spec.Target!, settings.Redis.KeyPrefix, TimeSpan.FromSeconds(5), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Leases")));
        }

        services.AddHostedService<AdminSocketService>();
        if (!string.IsNullOrEmpty(settings.SocketMap.Listen))
        {
            services.AddHostedService<SocketMapService>();
        }
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

/// <summary>
/// Purges expired leases from the memory and SQLite tables every TTL/10 (DRAC's rhythm), at most every minute; no
/// timer per lease. Redis expires its keys itself. Expiry is also checked on every read, so the sweep only frees memory.
/// </summary>
internal sealed partial class LeaseSweeper(ILeaseTable table, LeaseSettings settings, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ILocalLeaseTable? local = table is MeteredLeaseTable metered ? metered.Local : table as ILocalLeaseTable;
        if (local is null)
        {
            return; // a shared store (Redis) expires its entries itself
        }

        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(settings.TtlValue.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period);
        while (await NextTickAsync(timer, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                int removed = local.Sweep();
                if (removed > 0)
                {
                    Log.Swept(logger, removed);
                }
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                Log.SweepFailed(logger, ex.Message);
            }
        }
    }

    // A stop (also the one after a failed start, e.g. the listen address in use) ends the loop quietly rather than
    // as a failed background service.
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
