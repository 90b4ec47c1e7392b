using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// <c>milter_default_action = tempfail</c> in the shipped snippet: with the milter stopped, Postfix (whose own relay
/// check the snippet turned off) tempfails, it never relays. Own fixture, because it stops the milter.
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixPolicyMilterDownTests : OwningFixture
{
    private PostfixPolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndPostfix() => _stack = Owned.Add(await PostfixPolicyStack.StartAsync());

    [Test]
    public async Task MilterStopped_RemoteRecipient_Tempfails451_NeverRelayed()
    {
        SwaksTranscript up = await _stack!.SendAsync("127.0.0.7", "x@remote.example");
        up.PostfixQueueId.Should().NotBeNull("with the milter up 127.0.0.7 relays:\n{0}", up);

        await _stack.Milter.StopAsync();
        _stack.Milter.HasExited.Should().BeTrue();
        SwaksTranscript down = await _stack.SendAsync("127.0.0.7", "x@remote.example");

        down.ServerLines.Should().Contain("451 4.7.1 Service unavailable - try again later", "{0}", down);
        down.ServerLines.Should().NotContain(
            l => l.StartsWith("250 2.1.5", StringComparison.Ordinal) || l.StartsWith("354", StringComparison.Ordinal) || l.StartsWith("250 2.0.0", StringComparison.Ordinal),
            "{0}",
            down);
        _stack.Rig.Log.Should().Contain("milter", "Postfix logs why it tempfailed");
    }
}
