namespace Milter.Host;

/// <summary>The wait of a background service's periodic loop.</summary>
internal static class PeriodicTimerStop
{
    /// <summary>
    /// The next tick; false when the timer was disposed or <paramref name="stoppingToken"/> fired (a stop, also the one
    /// after a failed start, e.g. the listen address in use), so that the loop ends quietly rather than as a failed
    /// background service.
    /// </summary>
    public static async Task<bool> NextTickOrStopAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
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
