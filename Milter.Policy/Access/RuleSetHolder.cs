namespace Milter.Policy.Access;

/// <summary>
/// The current rule set, swapped atomically on reload. Every decision reads <see cref="Current"/> once and uses that
/// snapshot for all its lookups, so no decision ever sees half of an old and half of a new rule set.
/// </summary>
public sealed class RuleSetHolder
{
    private RuleSet _current;

    public RuleSetHolder(RuleSet? initial = null) => _current = initial ?? RuleSet.Empty;

    public RuleSet Current => Volatile.Read(ref _current);

    /// <summary>Publishes <paramref name="next"/> and returns the previous rule set.</summary>
    public RuleSet Swap(RuleSet next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return Interlocked.Exchange(ref _current, next);
    }
}
