using System.Diagnostics;
using System.Net;
using FluentAssertions;
using Milter.Protocol;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>Configuration precedence and validation, reload of a live process, and `milter rules`.</summary>
[Category("Sockets")]
[NonParallelizable]
public class ConfigurationAndRulesTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("milter-host-test").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<MilterReply> RelayAttemptAsync(string spec, string clientIp)
    {
        await using MilterClient client = await MilterClient.ConnectAsync(spec, null, default);
        await client.NegotiateAsync(default);
        await client.ConnectAsync("client.test", IPAddress.Parse(clientIp), 40000);
        await client.HeloAsync("client.test");
        await client.MailAsync("<a@example.org>");
        return await client.RcptAsync("<x@remote.example>");
    }

    [Test]
    public async Task ListenFlag_WinsOverTheConfigFile()
    {
        int filePort = FreePort.Next();
        int flagPort = FreePort.Next();
        string config = Write("milter.json", $$"""{ "Milter": { "Listener": { "Listen": "inet:{{filePort}}@127.0.0.1" }, "StateDirectory": "{{_dir}}" } }""");
        using Process milter = MilterProgram.Start("run", "--config", config, "--listen", $"inet:{flagPort}@127.0.0.1");
        try
        {
            (await MilterProgram.ListensAsync($"inet:{flagPort}@127.0.0.1")).Should().BeTrue();
            Func<Task> other = async () => await MilterClient.ConnectAsync($"inet:{filePort}@127.0.0.1", null, default);
            await other.Should().ThrowAsync<System.Net.Sockets.SocketException>();
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task InvalidSetting_IsRefusedAtStartNamingTheSetting()
    {
        string config = Write("milter.json", """{ "Milter": { "Policy": { "OwnAddresses": [ "not-an-ip" ], "Replies": { "RelayDenied": "250 2.0.0 fine" } } } }""");
        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--config", config, "--listen", "inet:0@127.0.0.1");
        exit.Should().Be(2);
        error.Should().Contain("Milter:Policy:OwnAddresses:0: 'not-an-ip' is not an IP address")
            .And.Contain("Milter:Policy:Replies:RelayDenied");
    }

    [Test]
    public async Task ConfigFile_ReplyText_ReachesTheMta()
    {
        int port = FreePort.Next();
        string config = Write("milter.json", """{ "Milter": { "Policy": { "Replies": { "RelayDeniedAuthRequired": "550 5.7.1 No relaying here, log in first" } } } }""");
        using Process milter = MilterProgram.Start("run", "--config", config, "--listen", $"inet:{port}@127.0.0.1", "--state-dir", _dir);
        try
        {
            (await MilterProgram.ListensAsync($"inet:{port}@127.0.0.1")).Should().BeTrue();
            (await RelayAttemptAsync($"inet:{port}@127.0.0.1", "203.0.113.20")).Text.Should().Be("550 5.7.1 No relaying here, log in first");
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task EditedAccessFile_IsReloadedLive_ABrokenOneKeepsTheLastGoodRules_AndRulesShowsBoth()
    {
        int port = FreePort.Next();
        string spec = $"inet:{port}@127.0.0.1";
        string access = Write("access", "Connect:192.0.2.1\tRELAY\n");
        using Process milter = MilterProgram.Start("run", "--listen", spec, "--access", access, "--state-dir", _dir);
        try
        {
            (await MilterProgram.ListensAsync(spec)).Should().BeTrue();
            (await RelayAttemptAsync(spec, "192.0.2.2")).Code.Should().Be(MilterResponseCode.ReplyCode);
            (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.Should().StartWith("version 1,");

            File.WriteAllText(access, "Connect:192.0.2.1\tRELAY\nConnect:192.0.2.2\tRELAY\n");
            (await EventuallyAsync(async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.StartsWith("version 2,", StringComparison.Ordinal))).Should().BeTrue();
            (await RelayAttemptAsync(spec, "192.0.2.2")).IsContinue.Should().BeTrue("the edited rules are in force without a restart");

            File.WriteAllText(access, "Connect:192.0.2.1\tRELAY\n  Connect:192.0.2.3 RELAY\n");
            (await EventuallyAsync(async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.Contains("last reload refused", StringComparison.Ordinal))).Should().BeTrue();
            (int exit, string output, _) = await MilterProgram.RunAsync("rules", "--state-dir", _dir);
            exit.Should().Be(0);
            output.Should().StartWith("version 2,").And.Contain("access:2: ");
            (await RelayAttemptAsync(spec, "192.0.2.2")).IsContinue.Should().BeTrue("the last good rules stay in force");
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task Sighup_ReloadsTheRules()
    {
        int port = FreePort.Next();
        string access = Write("access", "Connect:192.0.2.1\tRELAY\n");
        using Process milter = MilterProgram.Start("run", "--listen", $"inet:{port}@127.0.0.1", "--access", access, "--state-dir", _dir);
        try
        {
            (await MilterProgram.ListensAsync($"inet:{port}@127.0.0.1")).Should().BeTrue();
            (await EventuallyAsync(async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.StartsWith("version 1,", StringComparison.Ordinal))).Should().BeTrue();
            using (Process kill = Process.Start("kill", ["-HUP", milter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            (await EventuallyAsync(async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.StartsWith("version 2,", StringComparison.Ordinal))).Should().BeTrue();
            milter.HasExited.Should().BeFalse("SIGHUP reloads, it does not stop the milter");
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Sighup_ReloadsTheRules_WhenTheParentIgnoredSighup(CancellationToken cancellationToken)
    {
        int port = FreePort.Next();
        string access = Write("access", "Connect:192.0.2.1\tRELAY\n");
        // As under nohup: SIGHUP ignored from the start (sh execs the milter: same pid).
        using Process milter = MilterProgram.StartUnder(
            ["sh", "-c", "trap '' HUP; exec \"$0\" \"$@\""], null, "run", "--listen", $"inet:{port}@127.0.0.1", "--access", access, "--state-dir", _dir);
        try
        {
            (await MilterProgram.ListensAsync($"inet:{port}@127.0.0.1")).Should().BeTrue();
            using (Process kill = Process.Start("kill", ["-HUP", milter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync(cancellationToken);
            }

            (await EventuallyAsync(async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.StartsWith("version 2,", StringComparison.Ordinal)))
                .Should().BeTrue("SIGHUP reloads the rules even when the parent ignored it");
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
            await milter.WaitForExitAsync(cancellationToken);
        }

        string output = await milter.StandardOutput.ReadToEndAsync(cancellationToken) + await milter.StandardError.ReadToEndAsync(cancellationToken);
        output.Should().Contain("SIGHUP was ignored by the process that started the milter");
    }

    [Test]
    public async Task Sigterm_DrainsAndExitsZero()
    {
        int port = FreePort.Next();
        using Process milter = MilterProgram.Start("run", "--listen", $"inet:{port}@127.0.0.1", "--state-dir", _dir);
        (await MilterProgram.ListensAsync($"inet:{port}@127.0.0.1")).Should().BeTrue();
        using (Process kill = Process.Start("kill", ["-TERM", milter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await milter.WaitForExitAsync(timeout.Token);
        milter.ExitCode.Should().Be(0);
        (await milter.StandardOutput.ReadToEndAsync()).Should().Contain("Milter shutdown complete");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Sigterm_LetsAnOpenSessionFinishAtQuit_RefusesNewOnes_ThenExitsZero()
    {
        string spec = $"inet:{FreePort.Next()}@127.0.0.1";
        using Process milter = MilterProgram.Start("run", "--listen", spec, "--state-dir", _dir);
        try
        {
            (await MilterProgram.ListensAsync(spec)).Should().BeTrue();
            await using MilterClient client = await MilterClient.ConnectAsync(spec, null, default);
            await client.NegotiateAsync(default);
            await client.ConnectAsync("client.test", IPAddress.Parse("203.0.113.20"), 40000);
            await client.HeloAsync("client.test");
            (await client.MailAsync("<a@example.org>")).IsContinue.Should().BeTrue();

            using (Process kill = Process.Start("kill", ["-TERM", milter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            Func<Task> newSession = async () => await MilterClient.ConnectAsync(spec, null, default);
            await Eventually.HoldsAsync(
                async () =>
                {
                    try
                    {
                        await newSession(); // the listener has not closed yet
                        return milter.HasExited;
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        return true;
                    }
                },
                TimeSpan.FromSeconds(5));

            await newSession.Should().ThrowAsync<System.Net.Sockets.SocketException>("SIGTERM stops accepting");
            milter.HasExited.Should().BeFalse("a session is still open");
            (await client.RcptAsync("<x@remote.example>")).Text.Should().Be("550 5.7.1 Relaying denied. Proper authentication required.", "the open session is still served");
            await client.QuitAsync();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await milter.WaitForExitAsync(timeout.Token);
            milter.ExitCode.Should().Be(0);
            (await milter.StandardOutput.ReadToEndAsync()).Should().Contain("every connection ended on its own");
        }
        finally
        {
            if (!milter.HasExited)
            {
                milter.Kill(entireProcessTree: true);
            }
        }
    }

    [Test]
    public async Task RulesCheck_ReportsFileAndLine_AndExitsOne()
    {
        string access = Write("access", "Connect:192.0.2.1 RELAY\n Connect:192.0.2.9 REJECT\n");
        (int exit, _, string error) = await MilterProgram.RunAsync("rules", "--check", "--access", access);
        exit.Should().Be(1);
        error.Should().Contain(access + ":2: ");
    }

    [Test]
    public async Task Rules_WithoutARunningMilter_SaysSo()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("rules", "--state-dir", _dir);
        exit.Should().Be(1);
        error.Should().Contain("no rules status");
    }

    private static Task<bool> EventuallyAsync(Func<Task<bool>> condition) => Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10));
}
