using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>Runs the <see cref="LogFollower"/> every <c>PollMilliseconds</c> while the milter runs (<c>Milter:Leases:LogFollower</c>).</summary>
internal sealed partial class LogFollowerService(LogFollowerSettings settings, string stateDirectory, ILeaseTable table, TimeProvider time, ILogger<LogFollowerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(stateDirectory);
        using var follower = new LogFollower(settings.Path!, stateDirectory, settings.ParsedFormat, table, settings.TtlValue, logger);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.PollMilliseconds), time);
        do
        {
            try
            {
                await follower.PollAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.PollFailed(logger, settings.Path!, ex.Message); // next poll tries again
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3529, LogLevel.Warning, "log follower: reading {Path} failed: {Error}")]
        public static partial void PollFailed(ILogger logger, string path, string error);
    }
}
