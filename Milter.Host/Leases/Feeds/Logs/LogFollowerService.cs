using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Runs the <see cref="LogFollower"/> every <c>PollMilliseconds</c> while the milter runs (<c>Milter:Leases:LogFollower</c>).
/// The start is refused when someone other than root and the trusted writer can write the log or a directory above it.
/// </summary>
internal sealed partial class LogFollowerService(LogFollowerSettings settings, string stateDirectory, ILeaseTable table, TimeSpan retryFor, TimeProvider time, ILogger<LogFollowerService> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (LogFollower.Untrusted(settings) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"{LogFollowerSettings.Section}:Path: {string.Join("; ", problems)}: only {LogFollower.Trust(settings)?.Description ?? "root"} may write the followed log and the directories above it (set {LogFollowerSettings.Section}:TrustedWriter to the mail server's user)");
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var follower = new LogFollower(settings, stateDirectory, table, retryFor, logger, time);
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
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false));
    }
}
