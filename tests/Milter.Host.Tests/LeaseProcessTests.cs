using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Milter.Protocol;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary><c>milter run</c> with its lease table, <c>milter lease</c> over the admin socket, the socketmap, all as processes.</summary>
[Category("Sockets")]
[NonParallelizable]
public class LeaseProcessTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("milter-lease-test").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    /// <summary>A relay attempt from <paramref name="ip"/> to a remote recipient; "continue" or the reply text.</summary>
    internal static async Task<string> RelayAsync(string spec, string ip)
    {
        await using MilterClient client = await MilterClient.ConnectAsync(spec, null, default);
        await client.NegotiateAsync(default);
        (await client.ConnectAsync("[" + ip + "]", IPAddress.Parse(ip), 40000)).IsContinue.Should().BeTrue();
        (await client.HeloAsync("client.test")).IsContinue.Should().BeTrue();
        (await client.MailAsync("<someone@example.org>")).IsContinue.Should().BeTrue();
        MilterReply reply = await client.RcptAsync("<friend@far-away.example>");
        await client.QuitAsync();
        return reply.IsContinue ? "continue" : reply.Text ?? reply.Code.ToString();
    }

    internal static Task<(int Exit, string Out, string Err)> LeaseAsync(string stateDir, params string[] args) =>
        MilterProgram.RunAsync(["lease", .. args, "--state-dir", stateDir]);

    [Test]
    [CancelAfter(120_000)]
    public async Task Sqlite_LeaseAddedThenKill9_IsThereAfterRestart_AndRelays()
    {
        RunningMilter milter = await RunningMilter.StartInAsync(_dir);
        try
        {
            (await RelayAsync(milter.Spec, "127.0.0.40")).Should().StartWith("550 5.7.1", "no lease yet");
            var add = await LeaseAsync(_dir, "add", "127.0.0.40", "--user", "alice");
            add.Exit.Should().Be(0, add.Err);
            await milter.KillAsync(); // kill -9 right after `lease add` returned
        }
        finally
        {
            await milter.DisposeAsync();
        }

        await using RunningMilter restarted = await RunningMilter.StartInAsync(_dir);
        var show = await LeaseAsync(_dir, "show", "127.0.0.40");
        show.Exit.Should().Be(0, show.Err);
        show.Out.Should().MatchRegex(@"^127\.0\.0\.40 \S+Z admin alice\s*$");
        (await RelayAsync(restarted.Spec, "127.0.0.40")).Should().Be("continue");
        (await RelayAsync(restarted.Spec, "127.0.0.41")).Should().StartWith("550 5.7.1");
        (await LeaseAsync(_dir, "remove", "127.0.0.40")).Exit.Should().Be(0);
        (await RelayAsync(restarted.Spec, "127.0.0.40")).Should().StartWith("550 5.7.1");
        var missing = await LeaseAsync(_dir, "show", "127.0.0.40");
        missing.Exit.Should().Be(1);
        missing.Err.Should().Contain("no lease for 127.0.0.40");
    }

    [Test]
    [CancelAfter(60_000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AdminSocket_IsOwnerOnly_AndListShowsEveryLease()
    {
        await using RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--leases", "memory");
        string socket = Path.Combine(_dir, "admin.sock");
        Assume.That(!OperatingSystem.IsWindows());
        File.GetUnixFileMode(socket).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await LeaseAsync(_dir, "add", "IPv6:2001:db8::9", "--ttl", "90s")).Exit.Should().Be(0);
        (await LeaseAsync(_dir, "add", "192.0.2.9")).Exit.Should().Be(0);
        var list = await LeaseAsync(_dir, "list");
        list.Exit.Should().Be(0);
        list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])
            .Should().Equal("IPv6:2001:db8:0:0:0:0:0:9", "192.0.2.9");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task LeaseCommand_NoMilter_NamesTheSocket_BadInput_IsUsageError()
    {
        var unreachable = await LeaseAsync(_dir, "list");
        unreachable.Exit.Should().Be(1);
        unreachable.Err.Should().Contain(Path.Combine(_dir, "admin.sock"));
        (await LeaseAsync(_dir, "add", "1.2.3")).Exit.Should().Be(2);
        (await LeaseAsync(_dir, "add", "192.0.2.1", "--ttl", "soon")).Exit.Should().Be(2);
        (await LeaseAsync(_dir, "show", "not-an-ip")).Exit.Should().Be(2);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_UnwritableStore_ExitsNonZeroNamingThePath()
    {
        string file = Path.Combine(_dir, "file");
        await File.WriteAllTextAsync(file, "x");
        string path = Path.Combine(file, "leases.db");
        var run = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", _dir, "--leases", "sqlite:" + path);
        run.Exit.Should().NotBe(0);
        run.Err.Should().Contain($"lease store sqlite:{path}");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task SocketMap_OverARealSocket_AnswersOkNotFound_AndPermClosesOnMalformed()
    {
        int port = FreePort.Next();
        string config = Path.Combine(_dir, "socketmap.json");
        await File.WriteAllTextAsync(config, $$"""{ "Milter": { "Leases": { "Store": "memory", "SocketMap": { "Listen": "inet:{{port}}@127.0.0.1" } } } }""");
        await using RunningMilter served = await RunningMilter.StartInAsync(_dir, "--config", config);
        (await LeaseAsync(_dir, "add", "192.0.2.50")).Exit.Should().Be(0);
        (await LeaseAsync(_dir, "add", "2001:db8::50")).Exit.Should().Be(0);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream stream = client.GetStream();
        (await AskAsync(stream, "drac 192.0.2.50")).Should().MatchRegex("^OK [0-9]+$");
        (await AskAsync(stream, "drac ipv6:2001:db8:0:0:0:0:0:50")).Should().MatchRegex("^OK [0-9]+$");
        (await AskAsync(stream, "drac 2001:db8::50")).Should().MatchRegex("^OK [0-9]+$");
        (await AskAsync(stream, "drac 192.0.2.51")).Should().Be("NOTFOUND ");

        await stream.WriteAsync("12:drac 1.2.3.4;"u8.ToArray());
        (await ReadNetstringAsync(stream)).Should().StartWith("PERM");
        (await stream.ReadAsync(new byte[1])).Should().Be(0, "the server closes after a malformed netstring");
    }

    private static async Task<string> AskAsync(NetworkStream stream, string request)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{request.Length}:{request},"));
        return await ReadNetstringAsync(stream);
    }

    private static async Task<string> ReadNetstringAsync(NetworkStream stream)
    {
        var length = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != ':')
        {
            length.Append((char)one[0]);
        }

        var data = new byte[int.Parse(length.ToString(), System.Globalization.CultureInfo.InvariantCulture) + 1];
        await stream.ReadExactlyAsync(data);
        data[^1].Should().Be((byte)',');
        return Encoding.ASCII.GetString(data, 0, data.Length - 1);
    }
}
