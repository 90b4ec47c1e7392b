using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Postfix keeps relay control and the milter is an extra layer: Postfix configured from the shipped
/// <c>postfix-main-cf-snippets/milter-extra-layer.cf</c> (sockets pointed at the milter under test), mynetworks
/// 127.0.0.1 and 127.0.0.6 only. Postfix refuses relaying itself, in its own words; the milter still refuses what
/// its rules refuse (127.0.0.6 is <c>reject.example</c>, Connect: REJECT) even where Postfix would relay; and a lease
/// in the milter reaches Postfix's relay check through the socketmap.
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixExtraLayerTests : OwningFixture
{
    private PostfixPolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndPostfix() =>
        _stack = Owned.Add(await PostfixPolicyStack.StartAsync(
            "mynetworks = 127.0.0.1/32 127.0.0.6/32\n", snippet: RepoLayout.PostfixExtraLayerSnippet, socketMap: true));

    [Test]
    public async Task ClientOutsideMynetworks_RelayRefusedByPostfixItself()
    {
        SwaksTranscript smtp = await _stack!.SendAsync("127.0.0.5", "x@remote.example");

        smtp.ServerLines.Should().Contain("554 5.7.1 <x@remote.example>: Relay access denied", "{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }

    [Test]
    public async Task ClientInMynetworks_RefusedByTheMilterRules()
    {
        SwaksTranscript smtp = await _stack!.SendAsync("127.0.0.6", "x@remote.example");

        smtp.ServerLines.Should().Contain("550 5.7.1 Access denied", "{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }

    [Test]
    public async Task LeasedAddress_PostfixAsksTheSocketMap_AndRelays()
    {
        SwaksTranscript before = await _stack!.SendAsync("127.0.0.11", "x@remote.example");
        before.ServerLines.Should().Contain("554 5.7.1 <x@remote.example>: Relay access denied", "no lease yet:\n{0}", before);

        ProcessResult add = await _stack.AddLeaseAsync("127.0.0.11");
        add.ExitCode.Should().Be(0, "{0}", add);
        SwaksTranscript after = await _stack.SendAsync("127.0.0.11", "x@remote.example");

        after.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}\n{1}", after, _stack.Rig.Log);
        after.PostfixQueueId.Should().NotBeNull("{0}", after);
    }
}
