using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The Debian setup of <c>sendmail-mc-snippets/README.md</c>, its commands taken from the README and run as written,
/// in order, on a copy of this machine's own Debian <c>/etc/mail</c> (private namespaces: the machine's files, ports
/// and hostname stay as they are), with the installed package: then Debian's Sendmail, built from Debian's own
/// sendmail.mc and the pasted lines, relays what the milter allows from Debian's access file and the admin's rules.
/// </summary>
public sealed partial class PackageTests
{
    private const string Sender = "admin@mta.test.example";

    [Test]
    [Order(20)]
    public async Task ReadmeWalkthrough_OnDebiansOwnEtcMail_LeavesRelayToTheMilter()
    {
        string readme = Path.Combine(RepoLayout.SnippetsDirectory, "README.md");
        IReadOnlyList<string> steps = WalkthroughRig.StepsFrom(readme);
        steps.Should().Contain(["chgrp milter /etc/mail/access", "make -C /etc/mail", "systemctl restart sendmail"]);

        await using WalkthroughRig rig = await WalkthroughRig.StartAsync(steps);
        rig.MilterLog.Should().Contain("unit-runner: READY=1").And.Contain("configuration: /etc/milter/milter.json")
            .And.MatchRegex(@"Rules loaded \(start\).*/etc/mail/access", "the milter starts ready with the admin's own files:\n{0}", rig.MilterLog);
        string cf = await File.ReadAllTextAsync(Path.Combine(rig.EtcMailDirectory, "sendmail.cf"));
        cf.Split('\n').Should().Contain("Xpolicy, S=local:/run/milter/milter.sock, F=T, T=C:10s;S:10s;R:10s;E:30s");

        // A stranger (an address of no rule, 198.51.100.7 = stranger.example) may not relay: the milter refuses.
        SwaksTranscript stranger = await rig.SwaksAsync("--local-interface", "198.51.100.7", "--from", Sender, "--to", "someone@elsewhere.example", "--quit-after", "RCPT");
        stranger.ServerLines.Should().NotBeEmpty("{0}", stranger);
        stranger.ServerLines[0].Should().MatchRegex(@"^220 mta\.test\.example ESMTP MTA; ", "no Sendmail version in the greeting:\n{0}", stranger);
        stranger.ServerLines.Should().Contain("550 5.7.1 <someone@elsewhere.example>... Relaying denied. Proper authentication required.", "{0}\n{1}", stranger, rig.MilterLog);
        rig.MilterLog.Should().MatchRegex(@"client=198\.51\.100\.7 stage=Rcpt .*verdict=""550 5\.7\.1 Relaying denied\. Proper authentication required\.""");

        // Debian's own Connect:127 RELAY, now decided by the milter (127.0.0.1 itself is "localhost", local anyway).
        SwaksTranscript loopback = await rig.SwaksAsync("--local-interface", "127.0.0.2", "--from", Sender, "--to", "someone@elsewhere.example", "--quit-after", "RCPT");
        loopback.ServerLines.Should().Contain(l => l.StartsWith("250 2.1.5 <someone@elsewhere.example>... Recipient ok", StringComparison.Ordinal), "{0}", loopback);
        // Accepted recipients are logged at Debug; `milter check` (same configuration) shows the rule that decided.
        ProcessResult check = await rig.ExecAsync("milter", "check", "--client-ip", "127.0.0.2", "--from", Sender, "--rcpt", "someone@elsewhere.example");
        check.ExitCode.Should().Be(0, "{0}", check);
        check.StdOut.Should().MatchRegex(@"(?i)connect:127 -> RELAY \(/etc/mail/access:\d+\)").And.MatchRegex(@"(?m)^rcpt: accept$").And.MatchRegex(@"(?m)^result: accept$");

        // The admin's own rule: one line in the access file, `make -C /etc/mail`; the milter reloads it by itself.
        int before = Regex.Count(rig.MilterLog, "Rules loaded");
        await File.AppendAllTextAsync(Path.Combine(rig.EtcMailDirectory, "access"), "Connect:198.51.100.8\tRELAY\n");
        (await rig.ExecAsync("make", "-C", "/etc/mail")).ExitCode.Should().Be(0);
        await WaitUntilAsync(() => Regex.Count(rig.MilterLog, "Rules loaded") > before, "the milter reloads the changed access file", rig);
        SwaksTranscript friend = await rig.SwaksAsync("--local-interface", "198.51.100.8", "--from", Sender, "--to", "someone@elsewhere.example", "--quit-after", "RCPT");
        friend.ServerLines.Should().Contain(l => l.StartsWith("250 2.1.5 <someone@elsewhere.example>... Recipient ok", StringComparison.Ordinal), "{0}\n{1}", friend, rig.MilterLog);

        await AssertNoVersionInHelpOrReceivedHeadersAsync(rig);

        // F=T: with the milter stopped nothing is relayed.
        (await rig.ExecAsync("systemctl", "stop", "milter")).ExitCode.Should().Be(0);
        SwaksTranscript down = await rig.SwaksAsync("--local-interface", "198.51.100.8", "--from", Sender, "--to", "someone@elsewhere.example", "--quit-after", "RCPT");
        down.ServerLines.Should().Contain(l => l.StartsWith("451 4.3.2", StringComparison.Ordinal), "{0}", down);
        down.ServerLines.Should().NotContain(l => l.StartsWith("250 2.1.5", StringComparison.Ordinal));
    }

    /// <summary>HELP, and both Received headers of a local submission (submit.mc's and sendmail.mc's), carry no version.</summary>
    private static async Task AssertNoVersionInHelpOrReceivedHeadersAsync(WalkthroughRig rig)
    {
        ProcessResult help = await rig.ExecAsync("bash", "-c", """
            exec 3<>/dev/tcp/127.0.0.1/25 && read -r line <&3 && printf 'HELP\r\nQUIT\r\n' >&3 && cat <&3
            """);
        help.StdOut.Should().Contain("214-2.0.0 Commands:").And.NotContainAny(["version", "Sendmail"], "{0}", help);

        ProcessResult submit = await rig.ExecAsync("bash", "-c", """
            printf 'Subject: local submission\n\nhello\n' | /usr/sbin/sendmail -f root@mta.test.example someone@elsewhere.example
            """);
        submit.ExitCode.Should().Be(0, "{0}", submit);
        string? control = null;
        await WaitUntilAsync(
            () => (control = Directory.GetFiles(rig.QueueDirectory, "qf*").Select(File.ReadAllText).FirstOrDefault(c => c.Contains("Subject: local submission", StringComparison.Ordinal))) is not null,
            "the local submission reaches the MTA's queue", rig);
        string[] received = control!.Split("\nH").Where(h => h.StartsWith("??Received:", StringComparison.Ordinal)).ToArray();
        received.Should().HaveCount(2, "the MSP's and the MTA's Received headers:\n{0}", control);
        received.Should().Contain(h => h.Contains("(from root@localhost)", StringComparison.Ordinal), "the MSP's (submit.cf) header");
        received.Should().AllSatisfy(h => h.Should().NotMatchRegex(@"\(\d+\.\d+[.\d]*/\d+\.\d+", "no ($v/$Z) in a Received header"));
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what, WalkthroughRig rig) =>
        Eventually.TrueAsync(condition, TimeSpan.FromSeconds(60), what, () => $"{rig.MilterLog}\n{rig.StepsLog}");
}
