using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>contrib/dovecot/milter-lease-postlogin.sh as Dovecot runs it (USER, IP set; the next program in "$@") against a running milter.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostLoginScriptTests
{
    private static readonly string Script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "contrib", "dovecot", "milter-lease-postlogin.sh"));

    private static async Task<(int Exit, string Out, string Err)> RunScriptAsync(string milter, string ip, string extraArgs)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Script, "/bin/echo", "mail process continues" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["MILTER_CONFIG"] = MilterProgram.NoConfigFile;
        info.Environment["USER"] = "bob";
        info.Environment["IP"] = ip;
        info.Environment["MILTER"] = milter;
        info.Environment["MILTER_LEASE_ARGS"] = extraArgs;
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Script_AddsTheLease_ThenExecsTheMailProcess()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync("{ }");
        string wrapper = Path.Combine(milter.StateDir, "milter");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{MilterProgram.Dll}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }


        (int exit, string output, string error) = await RunScriptAsync(wrapper, "192.0.2.60", $"--state-dir {milter.StateDir}");

        exit.Should().Be(0, error);
        output.Should().Be("mail process continues\n");
        error.Should().BeEmpty();
        (await MilterProgram.RunAsync("lease", "show", "192.0.2.60", "--state-dir", milter.StateDir)).Out.Should().Contain("bob");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Script_MilterUnreachable_LoginContinues_FailureOnStderr()
    {
        (int exit, string output, string error) = await RunScriptAsync("/bin/false", "192.0.2.61", string.Empty);

        exit.Should().Be(0);
        output.Should().Be("mail process continues\n");
        error.Should().Be("milter-lease-postlogin: lease for 192.0.2.61 (user bob) not added\n");
    }
}
