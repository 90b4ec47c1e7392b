using System.Diagnostics;
using System.Net.Sockets;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Rules;

/// <summary>
/// Fail closed at start: a configured rule file that is missing (and not declared optional), unreadable or broken
/// stops <c>milter run</c> with one line naming it, exit 1, and no READY=1 on the service manager's notify socket;
/// the embedded examples are used only when no rule file is configured, and every command says so.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Category("Sockets")]
public sealed class RuleFilesAtStartTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Directory.CreateTempSubdirectory("rules-start").FullName;

    [TearDown]
    public void Remove()
    {
        foreach (string file in Directory.EnumerateFiles(_dir))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task MissingRuleFile_Exit1_OneLineNamingIt_NoReady(CancellationToken cancellationToken)
    {
        string access = Path.Combine(_dir, "access");

        (int exit, string error, string notified) = await RunWithNotifyAsync(cancellationToken, "--access", access);

        exit.Should().Be(1, error);
        error.Trim().Should().Be($"milter run: rule file {access} (Milter:Rules:Access): no such file (list Access in Milter:Rules:Optional if it may be missing)");
        notified.Should().NotContain("READY=1");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task UnreadableRuleFile_Exit1_OneLineNamingIt_NoReady(CancellationToken cancellationToken)
    {
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\n", cancellationToken);
        File.SetUnixFileMode(access, UnixFileMode.None); // like Debian's /etc/mail/access (0600 root) to a non-root milter

        (int exit, string error, string notified) = await RunWithNotifyAsync(cancellationToken, "--access", access);

        exit.Should().Be(1, error);
        error.Trim().Should().Be($"milter run: rule file {access} (Milter:Rules:Access): cannot be read: Access to the path '{access}' is denied.");
        notified.Should().NotContain("READY=1");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task BrokenRuleFile_Exit1_NamingFileAndLine_NoReady(CancellationToken cancellationToken)
    {
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\nConnect:192.0.2.2\n", cancellationToken);

        (int exit, string error, string notified) = await RunWithNotifyAsync(cancellationToken, "--access", access);

        exit.Should().Be(1, error);
        error.Should().Contain($"milter run: {access}:2: no RHS for LHS connect:192.0.2.2");
        notified.Should().NotContain("READY=1");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OptionalRuleFile_MayBeMissing_ButNotUnreadable(CancellationToken cancellationToken)
    {
        string access = Path.Combine(_dir, "access");
        string relay = Path.Combine(_dir, "relay-domains");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\n", cancellationToken);
        string config = Path.Combine(_dir, "milter.json");
        await File.WriteAllTextAsync(config, $$"""{ "Milter": { "Rules": { "Access": "{{access}}", "RelayDomains": "{{relay}}", "Optional": [ "RelayDomains" ] } } }""", cancellationToken);

        await using (RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--config", config))
        {
            milter.Output.Should().NotContain("embedded example rules");
        }

        await File.WriteAllTextAsync(relay, "relayed.example\n", cancellationToken);
        File.SetUnixFileMode(relay, UnixFileMode.None);
        (int exit, string error, _) = await RunWithNotifyAsync(cancellationToken, "--config", config);
        exit.Should().Be(1, error);
        error.Should().Contain($"milter run: rule file {relay} (Milter:Rules:RelayDomains): cannot be read");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OptionalList_NamesOnlyRuleSettings(CancellationToken cancellationToken)
    {
        string config = Path.Combine(_dir, "milter.json");
        await File.WriteAllTextAsync(config, """{ "Milter": { "Rules": { "Optional": [ "relay-domains" ] } } }""", cancellationToken);

        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--config", config, "--state-dir", _dir, "--listen", $"inet:{FreePort.Next()}@127.0.0.1");

        exit.Should().Be(2, error);
        error.Should().Contain("Milter:Rules:Optional:0: 'relay-domains' is not Access, RelayDomains, LocalDomains");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task NoRuleFileConfigured_StartRulesAndCheck_SayEmbeddedExamplesNotForProduction(CancellationToken cancellationToken)
    {
        await using (RunningMilter milter = await RunningMilter.StartInAsync(_dir))
        {
            milter.Output.Should().Contain("embedded example rules, not for production");
            (int exit, string output, _) = await MilterProgram.RunAsync("rules", "--state-dir", _dir);
            exit.Should().Be(0, output);
            output.Should().Contain("embedded example rules, not for production");
        }

        (int checkExit, string checkOutput, _) = await MilterProgram.RunAsync("rules", "--check");
        checkExit.Should().Be(0);
        checkOutput.Trim().Should().Be("rules OK: embedded example rules, not for production");

        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\n", cancellationToken);
        (checkExit, checkOutput, _) = await MilterProgram.RunAsync("rules", "--check", "--access", access);
        checkExit.Should().Be(0);
        checkOutput.Trim().Should().Be("rules OK");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RuleFileRemovedWhileRunning_ReloadRefused_TheLastGoodRulesStay(CancellationToken cancellationToken)
    {
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\n", cancellationToken);
        await using RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--access", access);

        File.Delete(access);
        using (Process hup = Process.Start("kill", ["-HUP", milter.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await hup.WaitForExitAsync(cancellationToken);
        }

        string rules = await Eventually.ValueAsync(
            async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out,
            status => status.Contains("last reload refused", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "milter rules reports the refused reload",
            () => milter.Output,
            cancellationToken);

        rules.Should().StartWith("version 1,").And.Contain("last reload refused").And.Contain(access);
        milter.Output.Should().Contain("Rules not reloaded (SIGHUP): errors above; version 1 stays in force");
    }

    /// <summary>
    /// <c>milter run</c> under a NOTIFY_SOCKET; as root the child loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    /// (setpriv), so that a file mode keeps it out as it keeps out a non-root service user. Returns the exit code,
    /// stderr and whatever reached the notify socket.
    /// </summary>
    private async Task<(int Exit, string Error, string Notified)> RunWithNotifyAsync(CancellationToken cancellationToken, params string[] args)
    {
        string socketPath = Path.Combine(_dir, "notify");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        string[] run = ["run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", Path.Combine(_dir, "state"), .. args];
        using Process milter = Environment.IsPrivilegedProcess
            ? MilterProgram.StartUnder(["setpriv", "--bounding-set", "-dac_override,-dac_read_search"], new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath }, run)
            : MilterProgram.StartWith(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath }, run);
        Task<string> error = milter.StandardError.ReadToEndAsync(cancellationToken);
        Task<string> output = milter.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await milter.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!milter.HasExited)
            {
                milter.Kill(entireProcessTree: true); // it started: the test fails, and leaves no milter behind
            }
        }

        await output;
        var notified = new System.Text.StringBuilder();
        byte[] buffer = new byte[4096];
        while (notify.Available > 0)
        {
            notified.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
        }

        return (milter.ExitCode, await error, notified.ToString());
    }
}
