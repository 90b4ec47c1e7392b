using System.Diagnostics;

namespace Milter.Testing;

/// <summary>
/// Waits on a condition instead of a fixed sleep: polls it until it holds, and fails with what was awaited (and,
/// when given, what the test saw last) once the time is up. The timeouts are generous (the machine is shared and
/// slow); a condition that holds returns at once.
/// </summary>
public static class Eventually
{
    /// <summary>How often a condition is asked again.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    /// <param name="detail">What to show besides <paramref name="what"/> on a timeout (a process's output, a log).</param>
    public static Task TrueAsync(Func<bool> condition, TimeSpan within, string what, Func<string>? detail = null, CancellationToken cancellationToken = default) =>
        TrueAsync(() => Task.FromResult(condition()), within, what, detail, cancellationToken);

    /// <summary>As above, with a condition that has to ask something (a command, a socket).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string what, Func<string>? detail = null, CancellationToken cancellationToken = default) =>
        await ValueAsync(condition, done => done, within, what, detail, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Asks <paramref name="probe"/> until <paramref name="done"/> says its answer is the awaited one, and returns that
    /// answer; throws <see cref="TimeoutException"/> with <paramref name="what"/> and the last answer otherwise.
    /// </summary>
    public static async Task<T> ValueAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what, Func<string>? detail = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            T value = await probe().ConfigureAwait(false);
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed >= within)
            {
                string more = detail is null ? string.Empty : "\n" + detail();
                string last = value is bool ? string.Empty : $" (last seen: {value})";
                throw new TimeoutException($"not so within {within}: {what}{last}{more}");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True once <paramref name="condition"/> holds, false if it does not within <paramref name="within"/> (for tests that assert on it themselves).</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan within, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed >= within)
            {
                return false;
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>As above, with a condition answered at once.</summary>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan within, CancellationToken cancellationToken = default) =>
        HoldsAsync(() => Task.FromResult(condition()), within, cancellationToken);
}
