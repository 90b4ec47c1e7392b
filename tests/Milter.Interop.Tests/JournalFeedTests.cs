using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The journal feed against a real systemd-journald (a private namespace, <see cref="PrivateJournal"/>):
/// <c>milter run</c> with <c>Milter:Leases:Journal</c> trusting root's python3 (the test's syslog sender). The same login line sent by the
/// unprivileged test user carries that user's uid, set by the kernel, and makes no lease; root's does; a restarted
/// milter continues after the entries it has read (its cursor in the state directory).
/// </summary>
[TestFixture]
[Category("Journal")]
[NonParallelizable]
public sealed partial class JournalFeedTests : OwningFixture
{
    private const string Access = "# no Connect: rules: relaying only by lease\n";
    private UnprivilegedUser? _attacker;
    private PrivateJournal? _journal;
    private MilterProcess? _milter;
    private string _rules = null!;
    private string _state = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _attacker = Owned.Add(await UnprivilegedUser.CreateAsync(UnprivilegedUser.AttackerName));
        _journal = Owned.Add(await PrivateJournal.StartAsync());
        _rules = TempDirectories.New("journal-rules-");
        _state = TempDirectories.New("journal-state-");
        await File.WriteAllTextAsync(Path.Combine(_rules, "access"), Access);
        _milter = Owned.Add(await StartMilterAsync());
    }

    [Test]
    [Order(1)]
    public async Task LoginLineFromTheUnprivilegedUser_NoLease_FromRoot_Lease()
    {
        int mark = _milter!.LineCount;

        (await _journal!.LogAsync("dovecot[1]", Login("127.0.0.66"), asUser: _attacker)).ExitCode.Should().Be(0);
        (await _journal.LogAsync("dovecot[1]", Login("127.0.0.57"))).ExitCode.Should().Be(0);
        await _milter.WaitForLineAsync(LeaseAdded("127.0.0.57"), TimeSpan.FromSeconds(20), mark);

        ProcessResult entries = await ProcessRunner.RunAsync("journalctl", ["--namespace=" + _journal.Namespace, "--output=json", "--no-pager", "SYSLOG_IDENTIFIER=dovecot"], TimeSpan.FromSeconds(30));
        entries.StdOut.Should().Contain($"\"_UID\":\"{_attacker!.Uid}\"", "the attacker's line is in the journal, with its uid:\n{0}", entries);
        (await LeasedAsync("127.0.0.57")).Should().BeTrue();
        (await LeasedAsync("127.0.0.66")).Should().BeFalse("journald recorded the sender's uid, which the feed does not trust:\n{0}", _milter.Output);
    }

    [Test]
    [Order(2)]
    public async Task Restart_ContinuesAfterTheEntriesRead()
    {
        await _milter!.StopAsync();
        await _milter.DisposeAsync();
        _milter = null;
        File.Exists(Path.Combine(_state, "journal.cursor")).Should().BeTrue();

        (await _journal!.LogAsync("dovecot[1]", Login("127.0.0.58"))).ExitCode.Should().Be(0); // while the milter is down
        _milter = Owned.Add(await StartMilterAsync());
        await _milter.WaitForLineAsync(LeaseAdded("127.0.0.58"), TimeSpan.FromSeconds(20));

        _milter.Output.Should().NotContain("client=127.0.0.57", "the entries read before the restart are not read again");
    }

    private static string Login(string ip) => $"imap-login: Login: user=<bob>, method=PLAIN, rip={ip}, lip=127.0.0.1, mpid=1, TLS, session=<s>";

    private static Regex LeaseAdded(string ip) => new($@"lease added source=journal:dovecot client={Regex.Escape(ip)} user=bob ");

    private Task<MilterProcess> StartMilterAsync() =>
        MilterProcess.StartPolicyMilterAsync(
            Path.Combine(_rules, "access"), Path.Combine(_rules, "access"), Path.Combine(_rules, "access"), _state,
            new Dictionary<string, string>
            {
                ["Milter__Leases__Journal__Namespace"] = _journal!.Namespace,
                ["Milter__Leases__Journal__Comm"] = Path.GetFileName(PrivateJournal.Python),
            },
            null);

    private async Task<bool> LeasedAsync(string address) =>
        (await MilterProcess.RunCommandAsync("lease", "show", address, "--state-dir", _state)).ExitCode == 0;
}
