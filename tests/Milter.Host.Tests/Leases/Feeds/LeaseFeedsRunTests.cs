using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary><c>milter run</c> with both feeds configured: the DRAC listener and the log follower write to its lease table.</summary>
[TestFixture]
[Category("Integration")]
public sealed class LeaseFeedsRunTests
{
    private static async Task<int> ShowAsync(RunningMilter milter, string ip) =>
        (await MilterProgram.RunAsync("lease", "show", ip, "--state-dir", milter.StateDir)).Exit;

    [Test]
    [CancelAfter(60_000)]
    public async Task MilterRun_DracAndLogFollower_AddLeases_DisallowedCallerDoesNot()
    {
        string files = Directory.CreateTempSubdirectory("feeds-run").FullName;
        try
        {
            string allow = Path.Combine(files, "dracd.allow");
            string log = Path.Combine(files, "mail.log");
            await File.WriteAllTextAsync(allow, "255.255.255.255 127.0.0.1\n");
            await File.WriteAllTextAsync(log, "Nov 28 10:15:01 pop3-login: Info: Login: user=<old>, method=PLAIN, rip=192.0.2.49, lip=192.0.2.1\n");
            int port = FreePort.NextUdp();
            await using RunningMilter milter = await RunningMilter.StartAsync(
                $$"""{ "Leases": { "Drac": { "Listen": "127.0.0.1:{{port}}", "AllowFile": "{{allow}}", "RegisterWithPortmapper": false, "RequirePrivilegedPort": false }, "LogFollower": { "Path": "{{log}}", "PollMilliseconds": 50 } } }""");
            var server = new IPEndPoint(IPAddress.Loopback, port);

            byte[]? added = await DracTestClient.SendAsync(server, DracTestClient.AddV1(1, "192.0.2.40"));
            byte[]? refused = await DracTestClient.SendAsync(server, DracTestClient.AddV1(2, "192.0.2.41"), from: "127.0.0.2");
            await File.AppendAllTextAsync(log, "Nov 28 10:15:02 mail dovecot[7]: imap-login: Login: user=<mallory>, method=PLAIN, rip=192.0.2.43, lip=192.0.2.1, mpid=1, TLS\n"
                + "Nov 28 10:15:02 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=192.0.2.42, lip=192.0.2.1, mpid=1, TLS\n");

            DracTestClient.Words(added!)[^1].Should().Be(DracTestClient.AddSuccess, milter.Output);
            DracTestClient.Words(refused!)[^1].Should().Be(DracTestClient.AddPerm, milter.Output);
            (await ShowAsync(milter, "192.0.2.40")).Should().Be(0, milter.Output);
            (await ShowAsync(milter, "192.0.2.41")).Should().Be(1, "a caller outside dracd.allow adds nothing:\n{0}", milter.Output);
            await Eventually.HoldsAsync(() => milter.Output.Contains("client=192.0.2.42", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

            (await ShowAsync(milter, "192.0.2.42")).Should().Be(0, milter.Output);
            (await ShowAsync(milter, "192.0.2.49")).Should().Be(1, "the log's history before the first start is not replayed:\n{0}", milter.Output);
            (await ShowAsync(milter, "192.0.2.43")).Should().Be(1, "a login line in syslog form (anyone can logger one) is ignored by default:\n{0}", milter.Output);
            (await milter.OutputOnceItContainsAsync("no lease for 192.0.2.41", TimeSpan.FromSeconds(10))).Should().Contain("drac caller=127.0.0.2:").And.Contain("not in the allow file: ADD_PERM, no lease for 192.0.2.41");
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }

    [TestCase("\"Drac\": { \"Listen\": \"localhost\" }", "Milter:Leases:Drac:Listen: 'localhost' is not ADDRESS:PORT")]
    [TestCase("\"LogFollower\": { \"Path\": \"/x\", \"Format\": \"exim\" }", "Milter:Leases:LogFollower:Format: 'exim' is not one of auto, dovecot, courier, cyrus, qpopper, uw")]
    [TestCase("\"Drac\": { \"Listen\": \"127.0.0.1:0\", \"Ttl\": \"soon\" }", "Milter:Leases:Drac:Ttl: 'soon' is not a duration")]
    [TestCase("\"LogFollower\": { \"Path\": \"/x\", \"Format\": \"courier\" }", "Milter:Leases:LogFollower:Format: courier logs only through syslog, where any local user can write a login line (logger -t …); set Milter:Leases:LogFollower:AcceptSyslogLines to true")]
    [TestCase("\"LogFollower\": { \"Path\": \"/x\", \"TrustedWriter\": \"no-such-user-here\" }", "Milter:Leases:LogFollower:TrustedWriter: no user 'no-such-user-here'")]
    [TestCase("\"Drac\": { \"Listen\": \"0.0.0.0:0\" }", "Milter:Leases:Drac:Listen: '0.0.0.0:0' is off loopback: anyone who can send a UDP datagram with an allowed source address (spoofed ones included) could add leases; set Milter:Leases:Drac:AllowNonLoopback to true")]
    [TestCase("\"Drac\": { \"Listen\": \"127.0.0.1:0\", \"NewLeasesPerMinute\": -1 }", "Milter:Leases:Drac:NewLeasesPerMinute: must be between 0 and 1000000, not -1")]
    public async Task MilterRun_BadFeedSetting_Exit2_NamesTheKey(string leases, string message)
    {
        string dir = Directory.CreateTempSubdirectory("feeds-config").FullName;
        try
        {
            string config = Path.Combine(dir, "milter.json");
            await File.WriteAllTextAsync(config, "{ \"Milter\": { \"Leases\": { " + leases + " } } }");

            (int exit, _, string error) = await MilterProgram.RunAsync("run", "--config", config, "--state-dir", dir, "--listen", $"inet:{FreePort.Next()}@127.0.0.1");

            exit.Should().Be(2, error);
            error.Should().Contain(message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
