using Milter.Policy.Limits;

namespace Milter.Policy;

/// <summary>
/// What every <see cref="PolicyTransaction"/> of a listener asks: the policy engine and, when flood limits are on, the
/// limit engine. Made once and shared, so that a connection holds one reference to them, not one each. Not sealed: an
/// adapter deriving from <see cref="PolicyTransaction"/> may derive from this too, so that its own shared services
/// come through the same reference.
/// </summary>
/// <param name="engine">The policy engine.</param>
/// <param name="limits">The flood limits; null when they are off.</param>
public class TransactionEngines(PolicyEngine engine, LimitEngine? limits = null)
{
    public PolicyEngine Engine { get; } = engine ?? throw new ArgumentNullException(nameof(engine));

    public LimitEngine? Limits { get; } = limits;
}
