using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>What the log follower's fixtures share: a temp directory with the log and a state directory, a lease table, a logger, login lines.</summary>
public abstract class LogFileFixture
{
    protected FakeLogger Logger { get; } = new();

    protected ILeaseTable Table { get; } = new InMemoryLeaseStore();

    protected string Dir { get; private set; } = null!;

    protected string LogPath { get; private set; } = null!;

    protected string StateDir { get; private set; } = null!;

    [SetUp]
    public void CreateDirectories()
    {
        Dir = Directory.CreateTempSubdirectory("log-follower").FullName;
        LogPath = Path.Combine(Dir, "dovecot.log");
        StateDir = Directory.CreateDirectory(Path.Combine(Dir, "state")).FullName;
    }

    [TearDown]
    public void RemoveDirectories() => Directory.Delete(Dir, recursive: true);

    /// <summary>A successful login as Dovecot writes it to its own log file (<c>log_path</c>).</summary>
    protected static string Login(string ip, string user = "bob") =>
        $"Nov 29 02:18:53 pop3-login: Info: Login: user=<{user}>, method=PLAIN, rip={ip}, lip=127.0.0.1, mpid=1, session=<s>\n";

    /// <summary>The follower's settings for <see cref="LogPath"/>; not running as root, this user may write the log.</summary>
    protected LogFollowerSettings Settings(bool acceptSyslog = false) =>
        new() { Path = LogPath, AcceptSyslogLines = acceptSyslog, TrustedWriter = Environment.IsPrivilegedProcess ? null : Environment.UserName };

    protected async Task<bool> LeasedAsync(string ip) => await Table.CheckAsync(IPAddress.Parse(ip), default) == LeaseStatus.Leased;
}
