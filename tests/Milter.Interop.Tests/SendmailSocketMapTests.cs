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
public sealed class SendmailSocketMapTests : OwningFixture
{
    private PolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail() => _stack = Owned.Add(await PolicyStack.StartAsync(
        new Dictionary<string, string>
        {
            ["Milter__Leases__SocketMap__IdleTimeoutSeconds"] = "2",
            ["Logging__LogLevel__Milter.Host.SocketMap.SocketMapService"] = "Debug",
        },
        socketMapMode: true));

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

    /// <summary>
    /// What Sendmail does when the milter closes its idle socketmap connection (IdleTimeoutSeconds, 2 s here) in the
    /// middle of an SMTP session: the lookup that finds the connection closed fails, so that one recipient is refused
    /// (over the unix socket the snippet uses, a temporary map failure: 451 4.3.0; over TCP FEATURE(drac)'s rules take
    /// it for "no lease": 550); the next lookup reconnects. This is why
    /// the default IdleTimeoutSeconds (3900) stays above Sendmail's command timeout (1 h): only a session idle longer
    /// than Sendmail itself allows could meet a closed connection.
    /// </summary>
    [Test]
    public async Task IdleSocketMapConnection_ClosedByTheMilter_FailsSendmailsNextLookupOnce_ThenItReconnects()
    {
        const string Client = "127.0.0.12";
        (await MilterProcess.RunCommandAsync("lease", "add", Client, "--state-dir", _stack!.StateDirectory)).ExitCode.Should().Be(0);
        await using SmtpProbe smtp = await SmtpProbe.ConnectAsync(Client, _stack.Rig.Port);
        (await smtp.SendAsync("EHLO client.test"))[^1].Should().StartWith("250 ");
        (await smtp.SendAsync("MAIL FROM:<sender@sender.example>"))[^1].Should().StartWith("250 ");
        int mark = _stack.Milter.LineCount;
        (await smtp.SendAsync("RCPT TO:<x@remote.example>"))[^1].Should().StartWith("250 2.1.5", "the lease relays");
        await _stack.Milter.WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"socketmap connection \d+ closed: idle for 2 s"), TimeSpan.FromSeconds(30), mark);

        IReadOnlyList<string> afterClose = await smtp.SendAsync("RCPT TO:<y@remote.example>");
        IReadOnlyList<string> next = await smtp.SendAsync("RCPT TO:<z@remote.example>");
        // Over a unix socket Sendmail 8.17 sees the closed connection as a temporary map failure (451 4.3.0 socket_map …);
        // over TCP the lookup fails as "not found" and FEATURE(drac) refuses (550). Either way: never a relay.
        afterClose[^1].Should().MatchRegex($@"^(451 4\.3\.0 |550 5\.7\.1 <y@remote\.example>\.\.\. Relaying denied\. IP name lookup failed \[{System.Text.RegularExpressions.Regex.Escape(Client)}\])", "the failed lookup is never a relay");
        next[^1].Should().StartWith("250 2.1.5", "Sendmail reconnects for the next lookup");
    }
}
