using System.Net;
using FluentAssertions;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

[TestFixture]
public sealed class LogFollowerTests : LogFileFixture
{
    private static string Failed(string ip) =>
        $"Nov 29 02:18:55 pop3-login: Info: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip={ip}, lip=127.0.0.1, session=<s>\n";

    private LogFollower Follower(ILeaseTable? table = null) => new(Settings(), StateDir, table ?? Table, TimeSpan.FromMinutes(30), Logger);

    [Test]
    public async Task FirstRun_ExistingLog_HistoryIsNotReplayed_NewLinesAre()
    {
        await File.WriteAllTextAsync(LogPath, Login("192.0.2.1"));
        using LogFollower follower = Follower();

        (await follower.PollAsync(default)).Should().Be(0);
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.2", "alice") + Failed("192.0.2.3"));
        (await follower.PollAsync(default)).Should().Be(1);

        (await LeasedAsync("192.0.2.1")).Should().BeFalse("lines older than the first run are history");
        (await LeasedAsync("192.0.2.3")).Should().BeFalse("a failed login makes no lease");
        Lease lease = (await Table.GetAsync(IPAddress.Parse("192.0.2.2"), default))!;
        lease.User.Should().Be("alice");
        lease.Source.Should().Be("log:dovecot");
    }

    [Test]
    public async Task LogCreatedAfterStart_IsReadFromItsStart()
    {
        using LogFollower follower = Follower();
        (await follower.PollAsync(default)).Should().Be(0);

        await File.WriteAllTextAsync(LogPath, Login("192.0.2.4"));

        (await follower.PollAsync(default)).Should().Be(1);
    }

    [Test]
    public async Task PartialLastLine_WaitsForItsNewline()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);
        string line = Login("192.0.2.5");

        await File.AppendAllTextAsync(LogPath, line[..40]);
        (await follower.PollAsync(default)).Should().Be(0);
        await File.AppendAllTextAsync(LogPath, line[40..]);

        (await follower.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("192.0.2.5")).Should().BeTrue();
    }

    [Test]
    public async Task Rotation_RenameAndNewFile_ReadsRestOfOldThenNewFromStart()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);

        await File.AppendAllTextAsync(LogPath, Login("192.0.2.6")); // written just before the rename, not yet read
        File.Move(LogPath, LogPath + ".1");
        await File.WriteAllTextAsync(LogPath, Login("192.0.2.7"));

        (await follower.PollAsync(default)).Should().Be(2);
        (await LeasedAsync("192.0.2.6")).Should().BeTrue();
        (await LeasedAsync("192.0.2.7")).Should().BeTrue();
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Message.Contains("rotated", StringComparison.Ordinal));

        await File.AppendAllTextAsync(LogPath + ".1", Login("192.0.2.8")); // the old file is no longer followed
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.9"));
        (await follower.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("192.0.2.9")).Should().BeTrue();
    }

    [Test]
    public async Task Rotation_NewFileAppearsLater_IsReadFromItsStart()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);
        File.Move(LogPath, LogPath + ".1");
        (await follower.PollAsync(default)).Should().Be(0);

        await File.WriteAllTextAsync(LogPath, Login("192.0.2.10"));

        (await follower.PollAsync(default)).Should().Be(1);
    }

    [Test]
    public async Task Truncation_CopyTruncate_ReadsFromTheStartAgain()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.11") + Login("192.0.2.12"));
        (await follower.PollAsync(default)).Should().Be(2);

        await using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        await File.AppendAllTextAsync(LogPath, Login("192.0.2.13"));

        (await follower.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("192.0.2.13")).Should().BeTrue();
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Message.Contains("truncated", StringComparison.Ordinal));
    }

    [Test]
    public async Task Restart_ContinuesAtTheSavedPosition_OldLinesAreNotAddedAgain()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using (LogFollower first = Follower())
        {
            await first.PollAsync(default);
            await File.AppendAllTextAsync(LogPath, Login("192.0.2.14"));
            (await first.PollAsync(default)).Should().Be(1);
        }

        await File.AppendAllTextAsync(LogPath, Login("192.0.2.15")); // written while the milter was down
        ILeaseTable table = new InMemoryLeaseStore();
        using LogFollower second = Follower(table);

        (await second.PollAsync(default)).Should().Be(1);
        (await table.CheckAsync(IPAddress.Parse("192.0.2.14"), default)).Should().Be(LeaseStatus.NotLeased, "read by the first run");
        (await table.CheckAsync(IPAddress.Parse("192.0.2.15"), default)).Should().Be(LeaseStatus.Leased, "written while down");
        File.ReadAllText(Path.Combine(StateDir, LogPosition.FileName)).Should().StartWith("1 ");
    }

    [Test]
    public async Task Restart_AfterRotationWhileDown_ReadsTheNewFileFromItsStart()
    {
        await File.WriteAllTextAsync(LogPath, Login("192.0.2.16"));
        using (LogFollower first = Follower())
        {
            await first.PollAsync(default);
        }

        File.Move(LogPath, LogPath + ".1");
        await File.WriteAllTextAsync(LogPath, Login("192.0.2.17"));
        using LogFollower second = Follower();

        (await second.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("192.0.2.17")).Should().BeTrue();
        (await LeasedAsync("192.0.2.16")).Should().BeFalse();
    }

    [Test]
    public async Task Restart_AfterTruncationWhileDown_ReadsFromTheStart()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using (LogFollower first = Follower())
        {
            await first.PollAsync(default);
            await File.AppendAllTextAsync(LogPath, Login("192.0.2.18") + Login("192.0.2.19"));
            await first.PollAsync(default);
        }

        await using (var truncate = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        await File.AppendAllTextAsync(LogPath, Login("192.0.2.20"));
        ILeaseTable table = new InMemoryLeaseStore();
        using LogFollower second = Follower(table);

        (await second.PollAsync(default)).Should().Be(1);
        (await table.CheckAsync(IPAddress.Parse("192.0.2.20"), default)).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public async Task StoreFailure_LineIsRetriedAtTheNextPoll()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        var flaky = new FlakyTable(Table);
        using LogFollower follower = Follower(flaky);
        await follower.PollAsync(default);
        await File.AppendAllTextAsync(LogPath, Login("192.0.2.21"));

        flaky.Failing = true;
        (await follower.PollAsync(default)).Should().Be(0);
        flaky.Failing = false;

        (await follower.PollAsync(default)).Should().Be(1);
        (await LeasedAsync("192.0.2.21")).Should().BeTrue();
    }

    [Test]
    public async Task OverlongLine_IsSkipped_LaterLinesCount()
    {
        await File.WriteAllTextAsync(LogPath, string.Empty);
        using LogFollower follower = Follower();
        await follower.PollAsync(default);

        await File.AppendAllTextAsync(LogPath, new string('x', 200_000) + "\n" + Login("192.0.2.22"));

        (await follower.PollAsync(default)).Should().Be(1);
    }

    private sealed class FlakyTable(ILeaseTable inner) : ILeaseTable
    {
        public bool Failing { get; set; }

        public ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken) =>
            Failing ? throw new IOException("store down") : inner.AddAsync(client, source, user, ttl, cancellationToken);

        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => inner.CheckAsync(client, cancellationToken);

        public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => inner.GetAsync(client, cancellationToken);

        public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken) => inner.RemoveAsync(client, cancellationToken);
    }
}
