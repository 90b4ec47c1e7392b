using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// POP-before-SMTP end to end with real parts: a private Dovecot 2.3 (POP3 on a free loopback port, its own log
/// file), our program (<c>milter run</c> with the log follower on that log and the default durable lease store in
/// its state directory) and a real Sendmail 8.17 from the shipped snippets in front of it. A POP3 login from
/// 127.0.0.5 lets 127.0.0.5 relay until the lease's TTL has passed; 127.0.0.6 never relays; a failed login adds
/// nothing; a lease survives a restart of the milter, and the restarted follower does not read old lines again.
/// </summary>
[TestFixture]
[Category("Sendmail")]
[NonParallelizable] // times a short TTL: keep the machine quiet
public sealed partial class DovecotLeaseTests : OwningFixture
{
    private const string Access = "# no Connect: rules: relaying only by lease\n";
    private const string Relayed = "250 2.1.5 <x@remote.example>... Recipient ok";
    private static readonly TimeSpan ShortTtl = TimeSpan.FromSeconds(12); // two swaks sessions take seconds on a loaded machine
    private DovecotServer? _dovecot;
    private SendmailRig? _rig;
    private MilterProcess? _milter;
    private RuleFiles _rules = null!;
    private string _state = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dovecot = Owned.Add(await DovecotServer.StartAsync());
        _state = TempDirectories.New("lease-state-");
        _rules = await RuleFiles.WriteAsync(TempDirectories.New("lease-rules-"), Access);
        _milter = Owned.Add(await StartMilterAsync(ShortTtl.ToString("c", System.Globalization.CultureInfo.InvariantCulture), port: null));
        _rig = Owned.Add(await SendmailRig.StartWithSnippetsAsync(_milter.Spec, RepoLayout.AuthoritativeDeployment));
    }

    [Test]
    [Order(1)]
    public async Task FailedPop3Login_MakesNoLease()
    {
        int mark = _milter!.LineCount;

        (await _dovecot!.LoginAsync("127.0.0.5", "wrong")).Should().BeFalse();
        await Eventually.TrueAsync(() => _dovecot.ReadLog().Contains("auth failed", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "dovecot logs the failure");
        // Nothing signals that a lease was NOT added: watch several polls of the follower (every 100 ms).
        await Consistently.TrueAsync(
            () => !_milter.Output.Split('\n').Skip(mark).Any(l => l.Contains("lease added", StringComparison.Ordinal)), TimeSpan.FromMilliseconds(500), "no lease for a failed login", _dovecot.ReadLog);
        SwaksTranscript smtp = await SendAsync("127.0.0.5");
        smtp.ServerLines.Should().Contain(l => l.Contains("Relaying denied", StringComparison.Ordinal), "{0}", smtp);
    }

    [Test]
    [Order(2)]
    public async Task Pop3Login_LeaseRelaysForThatAddressOnly_UntilTheTtlHasPassed()
    {
        int mark = _milter!.LineCount;

        (await _dovecot!.LoginAsync("127.0.0.5", DovecotServer.Password)).Should().BeTrue(_dovecot.ReadLog());
        await _milter.WaitForLineAsync(LeaseAdded(), TimeSpan.FromSeconds(5), mark);
        var added = System.Diagnostics.Stopwatch.StartNew();

        SwaksTranscript leased = await SendAsync("127.0.0.5");
        SwaksTranscript other = await SendAsync("127.0.0.6");
        added.Elapsed.Should().BeLessThan(ShortTtl, "the sends must happen inside the TTL for this test to mean anything");
        leased.ServerLines.Should().Contain(Relayed, "{0}\n{1}", leased, _milter.Output);
        leased.AcceptedQueueId.Should().NotBeNull("{0}", leased);
        other.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "{0}", other);

        await Task.Delay(ShortTtl - added.Elapsed + TimeSpan.FromMilliseconds(500)); // waits out the lease's TTL: the behaviour under test
        SwaksTranscript expired = await SendAsync("127.0.0.5");
        expired.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "the lease has expired:\n{0}", expired);
    }

    [Test]
    [Order(3)]
    public async Task MilterRestartedBetweenLoginAndSend_StillRelays_AndDoesNotReadTheLoginAgain()
    {
        await RestartMilterAsync("5m"); // a TTL that outlasts two restarts
        int mark = _milter!.LineCount;
        (await _dovecot!.LoginAsync("127.0.0.5", DovecotServer.Password)).Should().BeTrue(_dovecot.ReadLog());
        await _milter.WaitForLineAsync(LeaseAdded(), TimeSpan.FromSeconds(5), mark);

        await RestartMilterAsync("5m");
        await Consistently.TrueAsync( // several polls of the restarted follower
            () => !_milter.Output.Contains("lease added", StringComparison.Ordinal), TimeSpan.FromMilliseconds(500), "the restarted follower continues after the lines it has read");
        SwaksTranscript smtp = await SendAsync("127.0.0.5");
        smtp.ServerLines.Should().Contain(Relayed, "the lease is in the durable store:\n{0}\n{1}", smtp, _milter.Output);
        smtp.AcceptedQueueId.Should().NotBeNull("{0}", smtp);
    }

    private Task<MilterProcess> StartMilterAsync(string ttl, int? port) =>
        MilterProcess.StartPolicyMilterAsync(
            _rules,
            _state,
            new Dictionary<string, string>
            {
                ["Milter__Leases__Ttl"] = ttl,
                ["Milter__Leases__LogFollower__Path"] = _dovecot!.LogPath,
                ["Milter__Leases__LogFollower__Format"] = "dovecot",
                ["Milter__Leases__LogFollower__PollMilliseconds"] = "100",
            },
            port);

    private async Task RestartMilterAsync(string ttl)
    {
        int port = _milter!.Port;
        await _milter.StopAsync();
        await _milter.DisposeAsync();
        _milter = null;
        _milter = Owned.Add(await StartMilterAsync(ttl, port)); // Sendmail's cf names this port
    }

    private Task<SwaksTranscript> SendAsync(string from) => SendmailPolicyTests.SendAsync(_rig!, from, "x@remote.example");

    [GeneratedRegex(@"lease added source=log:dovecot client=127\.0\.0\.5 user=bob ")]
    private static partial Regex LeaseAdded();
}
