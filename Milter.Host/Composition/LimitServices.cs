using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milter.Host.Limits;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Policy.Limits;

namespace Milter.Host.Composition;

/// <summary><c>milter run</c>'s flood and mail-bomb limits (<c>Milter:Limits</c>), in memory or on Redis.</summary>
internal static class LimitServices
{
    public static IServiceCollection AddMilterLimits(this IServiceCollection services, LimitSettings settings) =>
        services.AddSingleton(sp => CreateLimits(settings, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<MilterMetrics>()));

    /// <summary>The limit engine of <c>Milter:Limits</c> (none when disabled); the Redis store connects here.</summary>
    private static LimitHolder CreateLimits(LimitSettings settings, ILoggerFactory loggers, MilterMetrics metrics)
    {
        if (!settings.Enabled)
        {
            return new LimitHolder(null, null);
        }

        FloodLimits limits = settings.ToFloodLimits();
        IRateLimitStore store = settings.UsesRedis
            ? new RedisRateLimitStore(settings.Redis, loggers.CreateLogger("Milter.Limits"))
            : new MemoryRateLimitStore(TimeProvider.System, settings.MaxEntries);
        var log = new LimitLog(loggers.CreateLogger("Milter.Limits"), metrics);
        return new LimitHolder(new LimitEngine(limits, store, log), store as IDisposable);
    }
}
