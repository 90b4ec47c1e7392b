using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Metrics;
using Milter.Policy.Leases;

namespace Milter.Host.Leases;

/// <summary>
/// Purges expired leases from the memory and SQLite tables every TTL/10 (DRAC's rhythm), at most every minute; no
/// timer per lease. Redis expires its keys itself. Expiry is also checked on every read, so the sweep only frees memory.
/// </summary>
internal sealed partial class LeaseSweeper(ILeaseTable table, TimeSpan ttl, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ILocalLeaseTable? local = table is MeteredLeaseTable metered ? metered.Local : table as ILocalLeaseTable;
        if (local is null)
        {
            return; // a shared store (Redis) expires its entries itself
        }

        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(ttl.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period);
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false))
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
}
