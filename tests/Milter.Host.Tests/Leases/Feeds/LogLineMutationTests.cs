using System.Net;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// Mutation fuzzing of log lines: 100,000 mutated non-login lines (failed logins, logouts, other daemons' lines)
/// never parse as a login, and 800 of them, some padded past 64 KiB with a forged login line in their tail, make no
/// lease through the follower reading them in random pieces over many polls; the follower never crashes, never
/// hangs and ends at the file's end (no line retried forever).
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LogLineMutationTests
{
    private const string Forged = "Nov 29 02:18:53 pop3-login: Info: Login: user=<x>, method=PLAIN, rip=203.0.113.99, lip=127.0.0.1, mpid=1, session=<s>";

    private static readonly string[] NotLogins =
    [
        "Nov 29 02:18:55 pop3-login: Info: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=127.0.0.5, lip=127.0.0.1, session=<Jgsl6mBh/Zx/AAAF>",
        "Nov 28 10:15:02 mail dovecot: imap-login: Aborted login (auth failed, 3 attempts in 14 secs): user=<bob>, method=PLAIN, rip=192.0.2.77, lip=192.0.2.1, TLS",
        "Nov 28 10:15:02 mail pop3d: LOGIN FAILED, user=bob, ip=[::ffff:192.0.2.9]",
        "Nov 28 10:15:02 mail cyrus/imap[1234]: badlogin: client.example.net [192.0.2.11] plaintext bob SASL(-13): authentication failure",
        "Nov 28 10:15:02 mail ipop3d[1234]: Login failed user=bob auth=bob host=client.example.net [192.0.2.15]",
        "Nov 28 10:15:02 mail sshd[99]: Accepted publickey for root from 192.0.2.1 port 22 ssh2",
        "Nov 29 02:18:53 imap(bob)<1><s>: Info: Logged out in=10 out=20",
    ];

    // No line here holds the login token anywhere (a forged one in a user name is LoginLineParserTests' case: a
    // deletion could make it a real login line, as a log writer that dropped bytes could).
    private static string MutateLine(Random random, bool pad)
    {
        var text = new StringBuilder(NotLogins[random.Next(NotLogins.Length)]);
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            switch (random.Next(pad ? 5 : 4))
            {
                case 0: // replace a character (never with a newline: one line stays one line)
                    text[random.Next(text.Length)] = (char)random.Next(32, 127);
                    break;
                case 1: // delete a span
                    int start = random.Next(text.Length);
                    text.Remove(start, random.Next(Math.Min(40, text.Length - start) + 1));
                    break;
                case 2: // duplicate a span
                    int from = random.Next(text.Length);
                    text.Insert(random.Next(text.Length), text.ToString(from, Math.Min(30, text.Length - from)));
                    break;
                case 3: // splice another non-login line in
                    text.Insert(random.Next(text.Length), NotLogins[random.Next(NotLogins.Length)]);
                    break;
                default: // padded past the line limit, a forged login line in the tail at or after the limit
                    text.Append(new string('A', Math.Max(0, LogFollower.MaxLine - text.Length + random.Next(0, 3) * random.Next(4000))));
                    text.Append(Forged);
                    break;
            }
        }

        return text.ToString();
    }

    [Test]
    public void HundredThousandMutatedNonLoginLines_NeverParseAsALogin()
    {
        var random = new Random(20261206);
        for (int i = 0; i < 100_000; i++)
        {
            string line = MutateLine(random, pad: false);
            LoginLineParser.TryParse(line, LoginLineFormat.Auto, out LoginEvent? login).Should().BeFalse("mutated non-login line: {0}", line);
            login.Should().BeNull();
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task FollowerReadingMutatedLinesInRandomPieces_AddsNoLease_NeverHangs_EndsAtTheEnd(CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("log-fuzz").FullName;
        try
        {
            string log = Path.Combine(dir, "dovecot.log");
            await File.WriteAllTextAsync(log, string.Empty, cancellationToken);
            ILeaseTable table = new InMemoryLeaseStore();
            var settings = new LogFollowerSettings { Path = log, AcceptSyslogLines = true, TrustedWriter = Environment.IsPrivilegedProcess ? null : Environment.UserName };
            using var follower = new LogFollower(settings, dir, table, TimeSpan.FromMinutes(30), new FakeLogger());
            await follower.PollAsync(cancellationToken);
            var random = new Random(20261207);
            byte[] all = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 800).Select(_ => MutateLine(random, pad: true) + "\n")));

            int written = 0;
            await using (var stream = new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                while (written < all.Length)
                {
                    int piece = Math.Min(all.Length - written, random.Next(1, 3) == 1 ? random.Next(1, 200) : random.Next(1, 100_000));
                    await stream.WriteAsync(all.AsMemory(written, piece), cancellationToken);
                    await stream.FlushAsync(cancellationToken);
                    written += piece;
                    (await follower.PollAsync(cancellationToken)).Should().Be(0);
                }
            }

            (await follower.PollAsync(cancellationToken)).Should().Be(0);
            (await table.ListAsync(cancellationToken)).Should().BeEmpty("no mutated non-login line makes a lease, whatever the pieces");
            follower.Offset.Should().Be(all.Length, "every line was read and passed: none is retried forever");
            (await table.CheckAsync(IPAddress.Parse("203.0.113.99"), cancellationToken)).Should().Be(LeaseStatus.NotLeased);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
