using Milter.Policy.Limits;

namespace Milter.Host.Limits;

/// <summary>The limit engine of <c>milter run</c> (none when <c>Milter:Limits:Enabled</c> is false); owns its store, disposed with the host.</summary>
internal sealed class LimitHolder(LimitEngine? engine, IDisposable? store) : IDisposable
{
    public LimitEngine? Engine { get; } = engine;

    public void Dispose() => store?.Dispose();
}
