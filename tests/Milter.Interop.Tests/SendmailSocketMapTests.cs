using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Deployment mode (A) end to end: a real Sendmail 8.17 from the shipped <c>sendmail-mc-snippets/drac-socketmap.m4</c>
/// (with the version hiding and privacy snippets; no <c>promiscuous_relay</c>, no milter line) keeps its own relay
/// check, and that check finds the milter's leases through the milter's socketmap server on a unix socket. Only the
/// map's socket path is pointed at the test's own (in m4; the snippet is concatenated unchanged).
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailSocketMapTests
{
    private PolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail() => _stack = await PolicyStack.StartAsync(socketMapMode: true);

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Test]
    public void Config_IsTheShippedSocketMapSnippet_WithoutAMilterOrPromiscuousRelay()
    {
        string shipped = string.Concat(RepoLayout.SocketMapDeployment.Where(f => f.EndsWith(".m4", StringComparison.Ordinal)).Select(File.ReadAllText));
        _stack!.Rig.BuiltMc.Should().Contain(shipped, "the .mc carries the shipped snippets byte for byte");
        string[] cf = _stack.Rig.BuiltCf.Split('\n');
        cf.Should().ContainSingle(l => l.StartsWith("Kdrac ", StringComparison.Ordinal))
            .Which.Should().MatchRegex(@"^Kdrac socket -d5 local:/\S+/drac\.sock$", "the snippet's map on a unix socket, without -T (a temporary failure must not relay)");
        cf.Should().NotContain(l => l.StartsWith('X'), "mode A needs no milter line");
        _stack.Rig.BuiltMc.Split('\n').Should().NotContain(l => l.StartsWith("FEATURE(`promiscuous_relay')", StringComparison.Ordinal), "Sendmail keeps its relay check");
    }

    [Test]
    public Task LeaseAddedWithTheCli_SendmailsOwnRelayCheck_FindsItThroughTheSocketMap() =>
        SendmailPolicyTests.AssertCliLeaseLetsRelayAsync(_stack!, "127.0.0.9");
}
