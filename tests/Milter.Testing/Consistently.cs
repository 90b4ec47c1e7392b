using System.Diagnostics;

namespace Milter.Testing;

/// <summary>
/// The other half of <see cref="Eventually"/>, for what must NOT happen: a condition that has to stay true for a
/// whole observation window (a warning logged no second time, a lease not added). The window is the behaviour under
/// test, not a synchronisation: nothing can signal that something did not happen. Fails as soon as it turns false.
/// </summary>
public static class Consistently
{
    /// <summary>Throws <see cref="InvalidOperationException"/> naming <paramref name="what"/> as soon as <paramref name="condition"/> is false within <paramref name="during"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan during, string what, Func<string>? detail = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!condition())
            {
                string more = detail is null ? string.Empty : "\n" + detail();
                throw new InvalidOperationException($"no longer so after {clock.Elapsed} (of {during}): {what}{more}");
            }

            if (clock.Elapsed >= during)
            {
                return;
            }

            await Task.Delay(Eventually.Poll, cancellationToken).ConfigureAwait(false);
        }
    }
}
