using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// What the log follower trusts: a line over its limit is skipped whole (its tail never parsed as a line), no line
/// is retried forever, syslog-form login lines (anyone can <c>logger</c> one) only when accepted explicitly, and a
/// log that anyone but root and the trusted writer can write is refused.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LogFollowerTrustTests : LogFileFixture
{
    private const string Forged = "Nov 29 02:18:53 pop3-login: Info: Login: user=<x>, method=PLAIN, rip=203.0.113.99, lip=127.0.0.1, mpid=1, session=<s>";
    private readonly FakeTimeProvider _time = new();

    private LogFollower Follower(ILeaseTable? table = null, bool acceptSyslog = false) =>
        new(Settings(acceptSyslog), StateDir, table ?? Table, TimeSpan.FromMinutes(30), Logger, _time);

    /// <summary>A failed-login line padded so that <paramref name="tail"/> starts exactly at the 64 KiB boundary.</summary>
    private static string Padded(string tail)
    {
        string head = "Nov 29 02:18:55 pop3-login: Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<";
        return head + new string('A', LogFollower.MaxLine - head.Length) + tail + "\n";
    }

    [Test]
    public async Task OverlongFailedLogin_CarryingAForgedLoginAfter64KiB_AddsNoLease()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);

        await File.AppendAllTextAsync(LogPath, Padded(Forged) + Login("192.0.2.30"));

        (await follower.PollAsync(default)).Should().Be(1, "only the real login after the overlong line counts");
        (await LeasedAsync("203.0.113.99")).Should().BeFalse("the tail of an overlong line is never read as a line of its own");
        (await LeasedAsync("192.0.2.30")).Should().BeTrue();
    }

    [Test]
    public async Task OverlongLine_WrittenOverSeveralPolls_IsSkippedUpToItsNewline()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);
        string padded = Padded(Forged);

        await File.AppendAllTextAsync(LogPath, padded[..(LogFollower.MaxLine + 10)]);
        (await follower.PollAsync(default)).Should().Be(0);
        await File.AppendAllTextAsync(LogPath, padded[(LogFollower.MaxLine + 10)..] + Login("192.0.2.31"));

        (await follower.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("203.0.113.99")).Should().BeFalse();
        (await LeasedAsync("192.0.2.31")).Should().BeTrue();
    }

    [Test]
    public async Task RestartInsideAnOverlongLine_SkipsItAgain_NeverReadsItsTail()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        string padded = Padded(Forged);
        using (LogFollower first = Follower())
        {
            await first.PollAsync(default);
            await File.AppendAllTextAsync(LogPath, padded[..LogFollower.MaxLine]); // stopped right where the forged text starts
            await first.PollAsync(default);
        }

        await File.AppendAllTextAsync(LogPath, padded[LogFollower.MaxLine..] + Login("192.0.2.32"));
        using LogFollower second = Follower();

        (await second.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("203.0.113.99")).Should().BeFalse();
    }

    [Test]
    public async Task StoreFailing_LineIsRetriedForAtMostTheRetryWindow_ThenPassed_TwoLogLines()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        var failing = new FailingTable(new IOException("store down"), "192.0.2.33", Table);
        using LogFollower follower = Follower(failing);
        await follower.PollAsync(default);
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.33") + Login("192.0.2.34"));

        for (int i = 0; i < 10; i++)
        {
            (await follower.PollAsync(default)).Should().Be(0);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        failing.Attempts.Should().Be(10, "the first line, once a poll, and not the second one behind it");
        (await LeasedAsync("192.0.2.34")).Should().BeFalse("lines keep their order");
        _time.Advance(TimeSpan.FromMinutes(30));
        (await follower.PollAsync(default)).Should().Be(1, "the first line is passed after the lease's lifetime, the second is added");
        (await LeasedAsync("192.0.2.33")).Should().BeFalse();
        (await LeasedAsync("192.0.2.34")).Should().BeTrue();
        Logger.Collector.GetSnapshot().Select(r => r.Message).Where(m => m.Contains("192.0.2.33", StringComparison.Ordinal)).Should().Equal(
            "log follower: lease for 192.0.2.33 not stored: store down: the line is tried again for up to 1800 s",
            "log follower: lease for 192.0.2.33 still not stored after 1800 s (store down): the line is passed");
    }

    [Test]
    public async Task LineTheStoreRefusesForGood_IsLoggedOnceAndPassed()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        var refusing = new FailingTable(new ArgumentException("not an IPv4/IPv6 address"), "192.0.2.35", Table);
        using LogFollower follower = Follower(refusing);
        await follower.PollAsync(default);
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.35"));

        (await follower.PollAsync(default)).Should().Be(0);
        (await follower.PollAsync(default)).Should().Be(0);

        refusing.Attempts.Should().Be(1, "never tried again");
        Logger.LatestRecord.Message.Should().Contain("lease for 192.0.2.35 refused (not an IPv4/IPv6 address): the line is passed");
    }

    [Test]
    public async Task SyslogFormLoginLine_IsIgnoredUnlessAccepted_AndSaidOnce()
    {
        string syslog = "Nov 28 10:15:02 mail dovecot[1]: imap-login: Login: user=<x>, method=PLAIN, rip=203.0.113.98, lip=192.0.2.1\n";
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using (LogFollower strict = Follower())
        {
            await strict.PollAsync(default);
            await File.AppendAllTextAsync(LogPath, syslog + syslog + Login("192.0.2.36"));

            (await strict.PollAsync(default)).Should().Be(1);
            strict.SyslogLinesIgnored.Should().Be(2);
        }

        (await LeasedAsync("203.0.113.98")).Should().BeFalse("anyone can write that line with logger");
        Logger.Collector.GetSnapshot().Count(r => r.Message.Contains("in syslog form ignored: any local user", StringComparison.Ordinal)).Should().Be(1);

        await File.AppendAllTextAsync(LogPath, syslog);
        using LogFollower accepting = Follower(acceptSyslog: true);
        (await accepting.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("203.0.113.98")).Should().BeTrue("AcceptSyslogLines takes that risk explicitly");
    }

    [Test]
    public async Task LogInADirectoryEveryoneCanWrite_FollowerRefusesToStart_NamingPathOwnerMode()
    {
        string open = Directory.CreateDirectory(Path.Combine(Dir, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        var settings = new LogFollowerSettings { Path = Path.Combine(open, "mail.log") };
        using var service = new LogFollowerService(settings, StateDir, Table, TimeSpan.FromMinutes(30), _time, new FakeLogger<LogFollowerService>());

        Func<Task> start = () => service.StartAsync(default);

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should()
            .Match($"Milter:Leases:LogFollower:Path: {open}: owner * mode 0777: writable by every user: only root* may write the followed log and the directories above it (set Milter:Leases:LogFollower:TrustedWriter to the mail server's user)");
    }

    [Test]
    public async Task LogWritableByItsOwner_NeedsThatOwnerAsTheTrustedWriter()
    {
        Assume.That(Environment.IsPrivilegedProcess, "chown needs root");
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using (var chown = System.Diagnostics.Process.Start("chown", ["nobody", LogPath])!)
        {
            await chown.WaitForExitAsync();
        }

        LogFollower.Untrusted(new LogFollowerSettings { Path = LogPath }).Should().ContainSingle().Which.Should().Match($"{LogPath}: owner nobody (uid 65534), * not owned by root");
        LogFollower.Untrusted(new LogFollowerSettings { Path = LogPath, TrustedWriter = "nobody" }).Should().BeEmpty();
    }

    /// <summary>Fails every add for one address with <paramref name="error"/>; the others go to <paramref name="inner"/>.</summary>
    private sealed class FailingTable(Exception error, string failFor, ILeaseTable inner) : ILeaseTable
    {
        public int Attempts { get; private set; }

        public ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken)
        {
            if (client.ToString() != failFor)
            {
                return inner.AddAsync(client, source, user, ttl, cancellationToken);
            }

            Attempts++;
            throw error;
        }

        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => inner.CheckAsync(client, cancellationToken);

        public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => inner.GetAsync(client, cancellationToken);

        public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken) => inner.RemoveAsync(client, cancellationToken);
    }
}
