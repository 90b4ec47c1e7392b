using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The shipped configuration under the shipped unit on Debian's own /etc/mail, before the admin gives the milter
/// group read access to the access file (README.Debian): the milter fails closed, naming the file, and never tells
/// systemd it is ready. Getting that far also proves the unit's state directory passes the StrictModes check.
/// </summary>
public sealed partial class PackageTests
{
    [Test]
    [Order(5)]
    public async Task InstalledMilter_AsShipped_WithDebiansRootOnlyAccessFile_Exit1_NamingIt_NoReady()
    {
        string access = await StatAsync("/etc/mail/access");
        if (!access.StartsWith("root root 600 ", StringComparison.Ordinal))
        {
            Assert.Ignore($"this machine's /etc/mail/access is not Debian's (root root 600): {access}");
        }

        ProcessResult run = await ProcessRunner.RunAsync(
            Tools.Require("python3", "python3"), [Path.Combine(RepoLayout.Root, "tests", "e2e", "unit-runner.py"), InstalledMilter.Unit], TimeSpan.FromSeconds(90));

        string output = run.StdOut + run.StdErr;
        output.Should().Contain("milter run: rule file /etc/mail/access (Milter:Rules:Access): cannot be read: ", "the milter user may not read it")
            .And.Contain("unit-runner: exited 1")
            .And.NotContain("READY=1")
            .And.NotContain("relay-domains", "Debian has no /etc/mail/relay-domains, and the shipped configuration lets it be missing")
            .And.NotContain("state directory", "the unit's /var/lib/milter passes the StrictModes check");
        run.ExitCode.Should().Be(1, "{0}", run);
        Directory.Exists("/run/milter").Should().BeFalse("the runtime directory goes with the failed start");
    }
}
