using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Service;

/// <summary>contrib/systemd/milter.service: what systemd accepts, and the keys the milter depends on.</summary>
public class MilterServiceUnitTests
{
    private static readonly string[] AnalyzePaths = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"];
    private static readonly string Unit = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "contrib", "systemd", "milter.service"));

    [Test]
    public void Unit_HasTheKeysTheMilterDependsOn()
    {
        string[] lines = File.ReadAllLines(Unit);
        lines.Should().Contain("Type=notify", "the milter sends READY=1 once it listens")
            .And.Contain("ExecStart=/usr/bin/milter run --config /etc/milter/milter.json", "the Debian package's program and conffile")
            .And.Contain("ExecReload=/bin/kill -HUP $MAINPID", "SIGHUP reloads the rules")
            .And.Contain("StateDirectory=milter")
            .And.Contain("RuntimeDirectory=milter", "the MTA's socket /run/milter/milter.sock")
            .And.Contain("RuntimeDirectoryMode=0750", "only the milter user (and root) may enter the socket's directory")
            .And.Contain("ReadWritePaths=-/var/spool/postfix/milter", "the socket for Postfix's chrooted smtpd")
            .And.Contain("User=milter")
            .And.Contain("NoNewPrivileges=yes")
            .And.Contain("ProtectSystem=strict")
            .And.Contain("PrivateTmp=yes")
            .And.Contain("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK");
        int stopSeconds = int.Parse(lines.Single(l => l.StartsWith("TimeoutStopSec=", StringComparison.Ordinal))["TimeoutStopSec=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        stopSeconds.Should().BeGreaterThan(30 + 15, "systemd must not SIGKILL before the 30 s drain and the host's 15 s margin are over");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Unit_IsAcceptedBySystemdAnalyzeVerify()
    {
        string? analyze = AnalyzePaths.FirstOrDefault(File.Exists);
        if (analyze is null || !OperatingSystem.IsLinux())
        {
            Assert.Ignore("needs Debian package 'systemd' (systemd-analyze not found; not installed by .ci/install-deps.sh); Unit_HasTheKeysTheMilterDependsOn checks the keys");
            return;
        }

        // verify also checks that ExecStart's program exists: point it at a stand-in for the installed milter.
        string dir = Directory.CreateTempSubdirectory("milter-unit-test").FullName;
        try
        {
            string program = Path.Combine(dir, "milter");
            await File.WriteAllTextAsync(program, "#!/bin/sh\n");
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string unit = Path.Combine(dir, "milter.service");
            await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(Unit)).Replace("/usr/bin/milter", program, StringComparison.Ordinal));

            var info = new ProcessStartInfo(analyze) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("verify");
            info.ArgumentList.Add("--man=no"); // milter(8) comes with the package (PackageTests checks it), not with this checkout
            info.ArgumentList.Add(unit);
            using Process verify = Process.Start(info)!;
            string output = await verify.StandardOutput.ReadToEndAsync() + await verify.StandardError.ReadToEndAsync();
            await verify.WaitForExitAsync();

            verify.ExitCode.Should().Be(0, output);
            output.Should().NotContain("milter.service", "systemd-analyze names the unit in each complaint: " + output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
