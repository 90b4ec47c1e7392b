using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Only the administrator and the MTA can grant relay (issue 11): an unprivileged local user (<see cref="AttackerUser"/>,
/// acting through setpriv) tries every way in against one <c>milter run</c> with the DRAC listener, the log follower
/// and the admin socket, with a real Sendmail 8.17 and a real Postfix 3.7 in front of it. DRAC from an unprivileged
/// port, <c>logger</c> into the syslog-style file the follower reads, the admin socket (by its mode, and by its peer
/// credentials when the mode would let it in), a state directory prepared for the milter with planted links and a
/// planted lease database, a followed log in a directory the user owns; and, as an allowed DRAC caller gone rogue,
/// a flood of new leases. Each fails, and both MTAs still refuse the attacker's address and relay the leases the
/// administrator and the POP server gave.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Category("Sendmail")]
[Category("Postfix")]
[NonParallelizable] // acts as another user and floods a UDP port: keep it alone
public sealed partial class TrustBoundaryTests
{
    private const string Attacker = "127.0.0.66";
    private const string PopLease = "127.0.0.55";
    private const string AdminLease = "127.0.0.56";
    private const string Relayed = "250 2.1.5 <x@remote.example>... Recipient ok";
    private const string Denied = "550 5.7.1 <x@remote.example>... Relaying denied.";
    private string _dir = null!;
    private string _state = null!;
    private int _dracPort;
    private UnprivilegedUser? _attacker;
    private SyslogFileWriter? _syslog;
    private MilterProcess? _milter;
    private SendmailRig? _sendmail;
    private PostfixRig? _postfix;

    private static string Python => "/usr/bin/python3";

    private UnprivilegedUser AttackerUser => _attacker!;

    private static string Script(string name) => Path.Combine(RepoLayout.InteropDirectory, name);

    [OneTimeSetUp]
    public async Task Start()
    {
        _attacker = await UnprivilegedUser.CreateAsync(UnprivilegedUser.AttackerName);
        Tools.RequireFile(Python, "python3 (Debian package 'python3')");
        PostfixRig.RequireRunnable();
        _dir = Directory.CreateTempSubdirectory("milter-trust-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101); // the attacker may look around, as on a real host
        _state = Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName;
        string rules = Directory.CreateDirectory(Path.Combine(_dir, "rules")).FullName;
        string maillog = Directory.CreateDirectory(Path.Combine(_dir, "log")).FullName;
        RuleFiles files = await RuleFiles.WriteAsync(rules, PolicyStack.BaseAccess);
        await File.WriteAllTextAsync(Path.Combine(rules, "dracd.allow"), "255.255.255.255 127.0.0.1\n255.255.255.255 127.0.0.2\n");
        _syslog = SyslogFileWriter.Start(Path.Combine(maillog, "dev-log"), Path.Combine(maillog, "mail.log"));
        _dracPort = FreePort.NextUdp();
        _milter = await MilterProcess.StartPolicyMilterAsync(
            files, _state,
            new Dictionary<string, string>
            {
                ["Milter__Leases__MaxEntries"] = "100", // small, so that a flood would evict
                ["Milter__Leases__Drac__Listen"] = $"127.0.0.1:{_dracPort}",
                ["Milter__Leases__Drac__AllowFile"] = Path.Combine(rules, "dracd.allow"),
                ["Milter__Leases__Drac__RegisterWithPortmapper"] = "false",
                ["Milter__Leases__Drac__NewLeasesPerMinute"] = "20",
                ["Milter__Leases__LogFollower__Path"] = _syslog.LogFile,
                ["Milter__Leases__LogFollower__PollMilliseconds"] = "100",
            },
            null);
        _sendmail = await SendmailRig.StartWithSnippetsAsync(_milter.Spec, RepoLayout.AuthoritativeDeployment);
        _postfix = await PostfixRig.StartWithSnippetAsync(_milter.Spec, RepoLayout.PostfixAuthoritativeRelaySnippet);

        // The legitimate leases: a root POP server's dracauth() (reserved port) and the administrator's lease add.
        ProcessResult pop = await DracAsync(PopLease, reserved: true);
        pop.StdOut.Should().Contain("ADD_SUCCESS 1", "{0}\n{1}", pop, _milter.Output);
        ProcessResult add = await MilterProcess.RunCommandAsync("lease", "add", AdminLease, "--user", "alice", "--state-dir", _state);
        add.ExitCode.Should().Be(0, "{0}", add);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        try
        {
            if (_postfix is not null)
            {
                await _postfix.DisposeAsync();
            }

            if (_sendmail is not null)
            {
                await _sendmail.DisposeAsync();
            }
        }
        finally
        {
            if (_milter is not null)
            {
                await _milter.DisposeAsync();
            }

            _syslog?.Dispose();
            if (_dir is not null)
            {
                Directory.Delete(_dir, recursive: true);
            }

            if (_attacker is not null)
            {
                await _attacker.DisposeAsync();
            }
        }
    }

    [Test]
    [Order(1)]
    public async Task Drac_FromAnUnprivilegedPort_AsTheAttacker_IsRefused()
    {
        ProcessResult result = await AttackerUser.RunAsync(Python, Script("drac-add.py"), "127.0.0.1", Port(_dracPort), Attacker);

        result.StdOut.Should().Contain("ADD_PERM 1", "{0}\n{1}", result, _milter!.Output);
        (await LeasedAsync(Attacker)).Should().BeFalse();
        await _milter.WaitForLineAsync(
            new Regex(Regex.Escape($"sends from an unprivileged port (a local user can): ADD_PERM, no lease for {Attacker}")), TimeSpan.FromSeconds(10));
    }

    [Test]
    [Order(2)]
    public async Task Drac_FloodOfNewLeasesFromOneAllowedCaller_StopsAtItsRate_TheOtherLeasesSurvive()
    {
        // As an allowed caller gone rogue (or a spoofed one): 500 new addresses against a table of 100.
        ProcessResult flood = await DracAsync("198.51.100.1", reserved: true, count: 500, from: "127.0.0.2");

        Match counts = Regex.Match(flood.StdOut, @"ADD_SUCCESS (\d+) ADD_PERM 0 ADD_SYSERR (\d+)");
        counts.Success.Should().BeTrue("{0}", flood);
        int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(20, "NewLeasesPerMinute");
        (await LeasedAsync(PopLease)).Should().BeTrue("the POP server's lease was not evicted:\n{0}", _milter!.Output);
        (await LeasedAsync(AdminLease)).Should().BeTrue("the administrator's lease was not evicted");
    }

    [Test]
    [Order(3)]
    public async Task Logger_IntoTheFollowedSyslogStyleFile_AddsNoLease()
    {
        ProcessResult logger = await AttackerUser.RunAsync(Tools.Require("logger", "bsdutils"), "--rfc3164", "-u", _syslog!.SocketPath, "-t", "dovecot[1]",
            $"imap-login: Login: user=<x>, method=PLAIN, rip={Attacker}, lip=127.0.0.1, mpid=1, TLS, session=<s>");
        logger.ExitCode.Should().Be(0, "{0}", logger);

        await Eventually.TrueAsync(() => _milter!.Output.Contains("in syslog form ignored", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the follower reads the line");
        (await File.ReadAllTextAsync(_syslog.LogFile)).Should().Contain($"testhost dovecot[1]: imap-login: Login: user=<x>, method=PLAIN, rip={Attacker}", "the attacker's line is in the file, as syslog would write it");
        (await LeasedAsync(Attacker)).Should().BeFalse();
    }

    [Test]
    [Order(4)]
    public async Task FollowedLogInADirectoryTheAttackerOwns_MilterRunRefusesToStart()
    {
        string theirs = Directory.CreateDirectory(Path.Combine(_dir, "attacker-log")).FullName;
        await ChownToAttackerAsync(theirs);

        ProcessResult run = await RunMilterAsync(Path.Combine(_dir, "state-follower"), ("Milter__Leases__LogFollower__Path", Path.Combine(theirs, "mail.log")));

        run.ExitCode.Should().Be(1, "{0}", run);
        run.StdErr.Should().Contain($"Milter:Leases:LogFollower:Path: {theirs}: owner {AttackerUser.Name} (uid {AttackerUser.Uid})").And.Contain("not owned by root");
    }

    [Test]
    [Order(5)]
    public async Task PlantedStateDirectory_WithLinksAndALeaseDatabase_StartRefused_RootFilesUntouched()
    {
        string victim = Path.Combine(_dir, "root-owned");
        await File.WriteAllTextAsync(victim, "root's file\n");
        string planted = Directory.CreateDirectory(Path.Combine(_dir, "planted")).FullName;
        File.SetUnixFileMode(planted, (UnixFileMode)0b111_111_111); // prepared by someone else, writable by all
        (await AttackerUser.RunAsync("/bin/ln", "-s", victim, Path.Combine(planted, "rules.json.tmp"))).ExitCode.Should().Be(0);
        (await AttackerUser.RunAsync("/bin/ln", "-s", victim, Path.Combine(planted, "log-follower.position.tmp"))).ExitCode.Should().Be(0);
        File.Copy(Path.Combine(_state, "leases.db"), Path.Combine(planted, "leases.db")); // a lease database that relays
        await ChownToAttackerAsync(Path.Combine(planted, "leases.db"));

        ProcessResult run = await RunMilterAsync(planted);

        run.ExitCode.Should().Be(1, "{0}", run);
        run.StdErr.Should().MatchRegex($@"milter run: state directory {Regex.Escape(planted)}: owner root \(uid 0\), group \S+ \(gid \d+\), mode 0777: writable by every user");
        (await File.ReadAllTextAsync(victim)).Should().Be("root's file\n");

        File.SetUnixFileMode(planted, (UnixFileMode)0b111_101_101); // the directory fixed, the planted files still there
        run = await RunMilterAsync(planted);
        run.ExitCode.Should().Be(1, "{0}", run);
        run.StdErr.Should().Contain($"state directory entry {planted}/leases.db: owner {AttackerUser.Name}")
            .And.Contain($"state directory entry {planted}/rules.json.tmp: owner {AttackerUser.Name}");
        (await File.ReadAllTextAsync(victim)).Should().Be("root's file\n");
    }

    [Test]
    [Order(6)]
    public async Task AdminSocket_AsTheAttacker_IsRefused_ByItsModeAndByItsPeerCredentials()
    {
        string socket = Path.Combine(_state, "admin.sock");
        File.SetUnixFileMode(_state, (UnixFileMode)0b111_101_101); // reachable: the socket's own mode and credentials check must hold

        ProcessResult byMode = await AttackerUser.RunAsync(Python, Script("admin-request.py"), socket, $"ADD {Attacker} - mallory");
        byMode.StdOut.Should().StartWith("REFUSED", "mode 0600:\n{0}", byMode);

        File.SetUnixFileMode(socket, (UnixFileMode)0b110_110_110); // as if caught between bind and chmod
        try
        {
            ProcessResult byCredentials = await AttackerUser.RunAsync(Python, Script("admin-request.py"), socket, $"ADD {Attacker} - mallory");
            byCredentials.StdOut.Should().Contain("ERR permission denied", "SO_PEERCRED:\n{0}", byCredentials);
        }
        finally
        {
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        (await LeasedAsync(Attacker)).Should().BeFalse();
    }

    [Test]
    [Order(7)]
    public async Task AfterTheAttacks_SendmailAndPostfix_RefuseTheAttacker_AndRelayTheGivenLeases()
    {
        SwaksTranscript sendmailAttacker = await SendmailPolicyTests.SendAsync(_sendmail!, Attacker, "x@remote.example");
        SwaksTranscript sendmailPop = await SendmailPolicyTests.SendAsync(_sendmail!, PopLease, "x@remote.example");
        SwaksTranscript sendmailAdmin = await SendmailPolicyTests.SendAsync(_sendmail!, AdminLease, "x@remote.example");
        SwaksTranscript postfixAttacker = await PostfixSendAsync(Attacker);
        SwaksTranscript postfixPop = await PostfixSendAsync(PopLease);

        sendmailAttacker.ServerLines.Should().Contain(l => l.StartsWith(Denied, StringComparison.Ordinal), "{0}\n{1}", sendmailAttacker, _milter!.Output);
        sendmailPop.ServerLines.Should().Contain(Relayed, "{0}", sendmailPop);
        sendmailPop.AcceptedQueueId.Should().NotBeNull("{0}", sendmailPop);
        sendmailAdmin.ServerLines.Should().Contain(Relayed, "{0}", sendmailAdmin);
        postfixAttacker.ServerLines.Should().Contain(l => l.StartsWith("550 5.7.1 Relaying denied.", StringComparison.Ordinal), "{0}", postfixAttacker);
        postfixPop.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}\n{1}", postfixPop, _milter.Output);
        postfixPop.PostfixQueueId.Should().NotBeNull("{0}", postfixPop);
    }

    private Task<SwaksTranscript> PostfixSendAsync(string from) =>
        _postfix!.SwaksAsync(["--local-interface", from, "--from", "sender@sender.example", "--to", "x@remote.example", "--header", "Subject: trust e2e"]);

    private Task<ProcessResult> DracAsync(string client, bool reserved, int count = 1, string from = "127.0.0.1")
    {
        List<string> args = [Script("drac-add.py"), "127.0.0.1", Port(_dracPort), client, "--count", count.ToString(CultureInfo.InvariantCulture), "--from", from];
        if (reserved)
        {
            args.Add("--reserved");
        }

        return ProcessRunner.RunAsync(Python, args, TimeSpan.FromSeconds(120));
    }

    private async Task<bool> LeasedAsync(string address) =>
        (await MilterProcess.RunCommandAsync("lease", "show", address, "--state-dir", _state)).ExitCode == 0;

    /// <summary><c>milter run</c> in <paramref name="stateDirectory"/> that is expected to refuse to start (killed after 60 s otherwise).</summary>
    private static async Task<ProcessResult> RunMilterAsync(string stateDirectory, params (string Name, string Value)[] settings)
    {
        string dll = await Artifacts.MilterHostDllAsync();
        string env = Tools.Require("env", "coreutils");
        List<string> args = ["MILTER_CONFIG=/nonexistent/milter.json", .. settings.Select(s => $"{s.Name}={s.Value}"), Tools.DotnetHost(), dll, "run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", stateDirectory];
        return await ProcessRunner.RunAsync(env, args, TimeSpan.FromSeconds(60));
    }

    private async Task ChownToAttackerAsync(string path) =>
        (await ProcessRunner.RunAsync("/bin/chown", [$"{AttackerUser.Name}:{AttackerUser.Name}", path], TimeSpan.FromSeconds(10))).ExitCode.Should().Be(0);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
