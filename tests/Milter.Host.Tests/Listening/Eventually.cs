namespace Milter.Host.Tests.Listening;

/// <summary>Waits on a condition (polled every 50 ms), never on a fixed sleep.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan within, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
