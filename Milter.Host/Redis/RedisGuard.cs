using StackExchange.Redis;

namespace Milter.Host.Redis;

/// <summary>
/// What every Redis call of a store goes through (the lease store, the limit store): a deadline of its own, an outage
/// reported once when it starts and once when it ends, and no second wait in the same moment.
/// </summary>
/// <remarks>
/// StackExchange.Redis checks asynchronous timeouts only on its one-second heartbeat, so with a hung server (SIGSTOP,
/// a full network buffer) a 250 ms <c>AsyncTimeout</c> answers after about a second, and 2,000 ms after about three.
/// Here each call ends at its own deadline (<see cref="Task.WaitAsync(TimeSpan, TimeProvider)"/>); the command left
/// behind ends with the library's timeout and its outcome is observed. After a timeout, calls fail at once for
/// <see cref="FailFastWindow"/>: the other lookups of the same stage (up to six limits and a lease) do not each wait
/// again, so a stage waits at most one deadline per store, and the next stage after the window asks Redis again.
/// </remarks>
internal sealed class RedisGuard(TimeSpan timeout, TimeProvider time, Action<Exception> down, Action<double> up)
{
    /// <summary>How long calls fail without asking Redis after one of them reached its deadline.</summary>
    public static readonly TimeSpan FailFastWindow = TimeSpan.FromSeconds(1);

    /// <summary>What a stage may take beyond the stores' deadlines (scheduling, the rules): the handler timeout must allow it.</summary>
    public const int StageMarginMilliseconds = 1000;

    private long _downSince; // timestamp of the first failure of the current outage, 0 when up
    private long _failFastUntil; // timestamp until which calls fail at once, 0 when none

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>
    /// Runs <paramref name="command"/> within <see cref="Timeout"/>. Throws <see cref="TimeoutException"/> at the
    /// deadline (or at once inside the fail-fast window) and rethrows the library's failures; each failure is reported.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> command)
    {
        long failFastUntil = Volatile.Read(ref _failFastUntil);
        if (failFastUntil != 0 && time.GetTimestamp() < failFastUntil)
        {
            throw new TimeoutException($"Redis did not answer within {Timeout.TotalMilliseconds} ms a moment ago");
        }

        Task<T> pending = command();
        try
        {
            T result = await pending.WaitAsync(Timeout, time).ConfigureAwait(false);
            Volatile.Write(ref _failFastUntil, 0);
            Up();
            return result;
        }
        catch (TimeoutException ex)
        {
            _ = pending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            Volatile.Write(ref _failFastUntil, time.GetTimestamp() + (long)(FailFastWindow.TotalSeconds * time.TimestampFrequency));
            Down(ex);
            throw;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            Down(ex);
            throw;
        }
    }

    private void Down(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _downSince, Math.Max(1, time.GetTimestamp()), 0) == 0)
        {
            down(ex);
        }
    }

    private void Up()
    {
        if (Volatile.Read(ref _downSince) != 0)
        {
            long since = Interlocked.Exchange(ref _downSince, 0);
            if (since != 0)
            {
                up(time.GetElapsedTime(since).TotalSeconds);
            }
        }
    }
}
