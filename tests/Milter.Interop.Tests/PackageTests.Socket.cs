using FluentAssertions;
using Milter.Interop.Tests.Support;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The installed milter under its unit: where its socket is and who can reach it, and a real Sendmail and Postfix
/// configured from the shipped snippets deciding relay through it. Rule files come from a drop-in's environment here
/// (this machine's /etc/mail/access is 0600 root; the walkthrough gives the milter Debian's own).
/// </summary>
public sealed partial class PackageTests
{
    [Test]
    [Order(10)]
    public async Task InstalledMilter_ListensInADirectoryOnlyRootAndTheMilterEnter_NoOtherUserCanBindOrConnect()
    {
        string rules = await WriteRulesAsync();
        await using (InstalledMilter milter = await InstalledMilter.StartAsync(RuleSettings(rules)))
        {
            (await StatAsync("/run/milter")).Should().Be("milter milter 750 directory");
            (await StatAsync(InstalledMilter.SocketPath)).Should().Be("milter milter 660 socket");
            await using (MilterClient mta = await MilterClient.ConnectAsync("unix:" + InstalledMilter.SocketPath, null, CancellationToken.None))
            {
                await mta.NegotiateAsync(CancellationToken.None); // root (Sendmail's daemon) speaks to it
            }

            (await Attacker.TryConnectAsync(InstalledMilter.SocketPath)).Should().Be("EACCES", "a local user must not speak the MTA's side");
            (await Attacker.TryBindAsync(InstalledMilter.SocketPath)).Should().Be("EACCES");
            (await Attacker.TryBindAsync("/run/milter/other.sock")).Should().Be("EACCES");
            milter.HasExited.Should().BeFalse("{0}", milter.Output);
        }

        Directory.Exists("/run/milter").Should().BeFalse("the runtime directory goes with the service, as systemd removes it");
        (await Attacker.TryBindAsync(InstalledMilter.SocketPath)).Should().Be("EACCES", "nor may the user prepare the path while the milter is stopped");
        Directory.Exists("/run/milter").Should().BeFalse();
        Directory.Delete(rules, recursive: true);
    }

    [Test]
    [Order(11)]
    public async Task InstalledMilter_BehindSendmailFromTheShippedSnippets_DecidesRelay_AndTempfailsWhenStopped()
    {
        string rules = await WriteRulesAsync();
        InstalledMilter milter = await InstalledMilter.StartAsync(RuleSettings(rules));
        try
        {
            // The snippet's own socket: the rig's redirection of S= rewrites it to the same value.
            await using SendmailRig rig = await SendmailRig.StartWithSnippetsAsync(
                "local:" + InstalledMilter.SocketPath, RepoLayout.AuthoritativeDeployment, $"{PolicyStack.SaslUser}:{PolicyStack.SaslPassword}");
            rig.BuiltCf.Split('\n').Should().Contain("Xpolicy, S=local:/run/milter/milter.sock, F=T, T=C:10s;S:10s;R:10s;E:30s");

            SwaksTranscript stranger = await rig.SwaksAsync("--local-interface", "127.0.0.5", "--from", "sender@sender.example", "--to", "x@remote.example", "--quit-after", "RCPT");
            stranger.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "{0}\n{1}", stranger, milter.Output);

            SwaksTranscript relayed = await rig.SwaksAsync("--local-interface", "127.0.0.7", "--from", "sender@sender.example", "--to", "x@remote.example", "--quit-after", "RCPT");
            relayed.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "Connect:127.0.0.7 RELAY:\n{0}", relayed);

            SwaksTranscript authenticated = await rig.SwaksAsync(
                "--local-interface", "127.0.0.5", "--from", "sender@sender.example", "--to", "y@remote.example", "--quit-after", "RCPT",
                "--auth", "PLAIN", "--auth-user", PolicyStack.SaslUser, "--auth-password", PolicyStack.SaslPassword);
            authenticated.ServerLines.Should().Contain("250 2.1.5 <y@remote.example>... Recipient ok", "SMTP AUTH PLAIN:\n{0}", authenticated);
            milter.Output.Should().Contain("decision qid=").And.Contain("client=127.0.0.5");

            await milter.StopAsync();
            SwaksTranscript down = await rig.SwaksAsync("--local-interface", "127.0.0.7", "--from", "sender@sender.example", "--to", "x@remote.example", "--quit-after", "RCPT");
            down.ServerLines.Should().Contain(l => l.StartsWith("451 4.3.2", StringComparison.Ordinal), "F=T with the milter stopped:\n{0}", down);
            down.ServerLines.Should().NotContain(l => l.StartsWith("250 2.1.5", StringComparison.Ordinal));
        }
        finally
        {
            await milter.DisposeAsync();
            Directory.Delete(rules, recursive: true);
        }
    }

    [Test]
    [Order(12)]
    public async Task InstalledMilter_BehindPostfix_OnTheSocketInPostfixsQueueDirectory_DecidesRelay()
    {
        // The snippet's smtpd_milters as shipped (relative to the queue directory); the directory as docs/postfix.md
        // creates it, under the rig's queue directory instead of /var/spool/postfix.
        await using PostfixRig rig = await PostfixRig.StartWithSnippetAsync("unix:milter/milter.sock", RepoLayout.PostfixAuthoritativeRelaySnippet);
        rig.MainCf.Split('\n').Should().Contain("smtpd_milters = unix:milter/milter.sock");
        string directory = Path.Combine(rig.WorkDirectory, "spool", "milter");
        ProcessResult mkdir = await ProcessRunner.RunAsync("install", ["-d", "-o", "milter", "-g", "postfix", "-m", "2750", directory], TimeSpan.FromSeconds(30));
        mkdir.ExitCode.Should().Be(0, "{0}", mkdir);
        string socket = Path.Combine(directory, "milter.sock");
        string rules = await WriteRulesAsync();
        var settings = new Dictionary<string, string>(RuleSettings(rules)) { ["Milter__Listener__Listen"] = "unix:" + socket };
        await using (InstalledMilter milter = await InstalledMilter.StartAsync(settings))
        {
            (await StatAsync(socket)).Should().Be("milter postfix 660 socket", "the setgid directory gives the socket Postfix's group");
            (await Attacker.TryConnectAsync(socket)).Should().Be("EACCES");

            SwaksTranscript stranger = await rig.SwaksAsync("--local-interface", "127.0.0.5", "--from", "sender@sender.example", "--to", "x@remote.example", "--quit-after", "RCPT");
            stranger.ServerLines.Should().Contain("550 5.7.1 Relaying denied. Proper authentication required.", "{0}\n{1}\n{2}", stranger, milter.Output, rig.Log);

            SwaksTranscript relayed = await rig.SwaksAsync("--local-interface", "127.0.0.7", "--from", "sender@sender.example", "--to", "x@remote.example", "--quit-after", "RCPT");
            relayed.ServerLines.Should().Contain("250 2.1.5 Ok", "Connect:127.0.0.7 RELAY, through the socket smtpd reached as user postfix:\n{0}", relayed);
        }

        Directory.Delete(rules, recursive: true);
    }

    private static Dictionary<string, string> RuleSettings(string rules) => new()
    {
        ["Milter__Rules__Access"] = Path.Combine(rules, "access"),
        ["Milter__Rules__RelayDomains"] = Path.Combine(rules, "relay-domains"),
        ["Milter__Rules__LocalDomains"] = Path.Combine(rules, "local-host-names"),
    };

    /// <summary>The policy tests' rule files, in a directory the milter user can read.</summary>
    private static async Task<string> WriteRulesAsync()
    {
        string directory = Directory.CreateTempSubdirectory("milter-package-rules-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // the milter user reads the rules
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "access"), PolicyStack.BaseAccess);
        await File.WriteAllTextAsync(Path.Combine(directory, "relay-domains"), "relayed.example\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "local-host-names"), "local.test.example\n");
        return directory;
    }
}
