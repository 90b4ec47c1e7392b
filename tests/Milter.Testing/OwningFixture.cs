using NUnit.Framework;

namespace Milter.Testing;

/// <summary>
/// A fixture that starts what its tests share once (<c>[OneTimeSetUp]</c>: a rig, a milter, a DNS server) and hands
/// each to <see cref="Owned"/> (<c>_rig = Owned.Add(await SendmailRig.StartAsync(...))</c>); all of it is stopped after
/// the fixture's last test, last started first, also when the set-up failed half-way. Replaces the try/finally
/// teardown each fixture used to write.
/// </summary>
public abstract class OwningFixture
{
    /// <summary>What the fixture has started; stopped after its last test.</summary>
    protected OwnedResources Owned { get; } = new();

    [OneTimeTearDown]
    public ValueTask StopOwned() => Owned.DisposeAsync();
}
