namespace Milter.Host.Listening;

/// <summary>
/// The connections a small line-protocol listener (admin socket, socketmap) is serving: ended ones are dropped as
/// new ones start, a cap refuses more, and at stop the rest get a few seconds to finish.
/// </summary>
internal sealed class ConnectionTasks(int max = int.MaxValue)
{
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(5);
    private readonly List<Task> _tasks = [];

    /// <summary>Starts <paramref name="serve"/> unless the cap is reached; false (nothing started) when it is.</summary>
    public bool TryStart(Func<Task> serve)
    {
        lock (_tasks)
        {
            _tasks.RemoveAll(t => t.IsCompleted);
            if (_tasks.Count >= max)
            {
                return false;
            }

            _tasks.Add(serve());
            return true;
        }
    }

    /// <summary>Waits for the open connections to end, at most five seconds; never throws.</summary>
    public async Task DrainAsync()
    {
        Task[] open;
        lock (_tasks)
        {
            open = [.. _tasks];
        }

        await Task.WhenAll(open).WaitAsync(DrainTime, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
