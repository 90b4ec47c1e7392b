using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>The socket server: specs, limits, shutdown, isolation of bad connections. Loopback, port 0 only.</summary>
[Category("Sockets")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class MilterServerTests
{
    private static async Task<MilterServer> StartAsync(ListLogger log, string listen = "inet:0@127.0.0.1", int maxConnections = 10_000)
    {
        var server = new MilterServer(new MilterServerOptions { Listen = listen, MaxConnections = maxConnections }, () => new ScriptedHandler(), log);
        await server.StartAsync(default);
        return server;
    }

    private static async Task<MilterClient> OpenClientAsync(MilterServer server)
    {
        MilterClient client = await MilterClient.ConnectAsync(server.DescribeEndpoint(), new MilterClientOptions { ReadTimeout = TimeSpan.FromSeconds(5) }, default);
        await client.NegotiateAsync(default);
        (await client.ConnectAsync("h", IPAddress.Loopback, 1)).IsContinue.Should().BeTrue();
        return client;
    }

    [Test]
    public async Task InetPortZero_ServesAWholeSession()
    {
        var log = new ListLogger();
        await using MilterServer server = await StartAsync(log);
        server.DescribeEndpoint().Should().MatchRegex(@"^inet:\d+@127\.0\.0\.1$");
        await using MilterClient client = await OpenClientAsync(server);
        (await client.MailAsync("<a@b>")).IsContinue.Should().BeTrue();
        (await client.RcptAsync("<c@d>")).IsContinue.Should().BeTrue();
        (await client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
        await client.QuitAsync();
    }

    [Test]
    public async Task Inet6Loopback_ServesASession()
    {
        await using MilterServer server = await StartAsync(new ListLogger(), "inet6:0@::1");
        server.DescribeEndpoint().Should().StartWith("inet6:");
        await using MilterClient client = await OpenClientAsync(server);
        (await client.HeloAsync("x")).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task UnixSocket_ReplacesAStaleFile_AndAppliesTheMode()
    {
        string dir = Directory.CreateTempSubdirectory("milter-test").FullName;
        string path = Path.Combine(dir, "m.sock");
        try
        {
            // A stale socket file: bound by a process that died without unlinking it (.NET unlinks on dispose,
            // so another process makes it).
            using (Process python = Process.Start(Prerequisite.Program("python3", "python3"), ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path])!)
            {
                await python.WaitForExitAsync();
            }

            Path.Exists(path).Should().BeTrue();
            var log = new ListLogger();
            var server = new MilterServer(new MilterServerOptions { Listen = "local:" + path, SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, () => new ScriptedHandler(), log);
            await server.StartAsync(default);
            log.Warnings.Should().Contain(w => w.Contains("stale", StringComparison.Ordinal));
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using (MilterClient client = await OpenClientAsync(server))
            {
                (await client.HeloAsync("x")).IsContinue.Should().BeTrue();
            }

            await server.DisposeAsync();
            Path.Exists(path).Should().BeFalse("the socket file is removed at shutdown");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public async Task UnixSocket_OnARegularFile_RefusesToStart()
    {
        string path = Path.GetTempFileName();
        try
        {
            var server = new MilterServer(new MilterServerOptions { Listen = "unix:" + path }, () => new ScriptedHandler());
            Func<Task> start = () => server.StartAsync(default);
            await start.Should().ThrowAsync<IOException>().WithMessage("*not a socket*");
            Path.Exists(path).Should().BeTrue();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("inet:25", true)]
    [TestCase("inet:8890@127.0.0.1", true)]
    [TestCase("inet6:8890@[::1]", true)]
    [TestCase("inet:127.0.0.1:8890", true)]
    [TestCase("unix:/run/milter.sock", true)]
    [TestCase("local:/run/milter.sock", true)]
    [TestCase("/run/milter.sock", true)]
    [TestCase("tcp:25", false)]
    [TestCase("inet:port@127.0.0.1", false)]
    [TestCase("inet:70000@127.0.0.1", false)]
    [TestCase("unix:", false)]
    [TestCase("", false)]
    public void SocketSpec_ParsesSendmailSyntax(string text, bool valid)
    {
        MilterSocketSpec.TryParse(text, out _, out string? error).Should().Be(valid, error);
    }

    [Test]
    public async Task BadConnection_IsClosedAlone_WhileOtherSessionsCarryOn()
    {
        var log = new ListLogger();
        await using MilterServer server = await StartAsync(log);
        await using MilterClient good = await OpenClientAsync(server);
        var ip = (IPEndPoint)server.LocalEndPoint!;
        using (var bad = new TcpClient())
        {
            await bad.ConnectAsync(ip.Address, ip.Port);
            await bad.GetStream().WriteAsync(Concat(OptNeg(), U32(0xFFFFFFF0)));
            var received = new MemoryStream();
            await bad.GetStream().CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(10)); // up to the server's close
            ReplyCodes.Of(received.ToArray()).Should().Be("O", "the OPTNEG reply, then nothing: the bad packet is not answered, the connection is closed");
        }

        log.Warnings.Should().ContainSingle(w => w.Contains("FrameTooLarge", StringComparison.Ordinal));
        (await good.HeloAsync("still here")).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task ConnectionLimit_ClosesConnectionsOverIt()
    {
        var log = new ListLogger();
        await using MilterServer server = await StartAsync(log, maxConnections: 2);
        await using MilterClient a = await OpenClientAsync(server);
        await using MilterClient b = await OpenClientAsync(server);
        await using MilterClient c = await MilterClient.ConnectAsync(server.DescribeEndpoint(), new MilterClientOptions { ReadTimeout = TimeSpan.FromSeconds(5) }, default);
        Func<Task> negotiate = () => c.NegotiateAsync(default);
        await negotiate.Should().ThrowAsync<MilterProtocolException>();
        log.Warnings.Should().Contain(w => w.Contains("the limit", StringComparison.Ordinal));
        (await a.HeloAsync("x")).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task GracefulStop_LetsSessionsFinishAtQuit_AndClosesTheRestAtTheDeadline()
    {
        var log = new ListLogger();
        MilterServer server = await StartAsync(log);
        MilterClient finishing = await OpenClientAsync(server);
        MilterClient stuck = await OpenClientAsync(server);
        await finishing.MailAsync("<a@b>");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Task stop = server.StopAsync(deadline.Token);
        await Task.Delay(200);
        stop.IsCompleted.Should().BeFalse("sessions in the middle of SMTP are not cut");
        (await finishing.RcptAsync("<c@d>")).IsContinue.Should().BeTrue("a session in flight keeps working during the drain");
        await finishing.QuitAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        log.Warnings.Should().Contain(w => w.Contains("1 connections did not end", StringComparison.Ordinal));
        (await stuck.IsClosedByPeerAsync(TimeSpan.FromSeconds(2))).Should().BeTrue();
        await finishing.DisposeAsync();
        await stuck.DisposeAsync();
        await server.DisposeAsync();
    }

    [Test]
    public async Task ThousandsOfConcurrentConnections_AreServedWithoutAThreadEach()
    {
        await using MilterServer server = await StartAsync(new ListLogger());
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var clients = new List<MilterClient>();
        for (int i = 0; i < 2000; i++)
        {
            clients.Add(await OpenClientAsync(server));
        }

        server.ConnectionCount.Should().Be(2000);
        Process.GetCurrentProcess().Threads.Count.Should().BeLessThan(threadsBefore + 100);
        MilterReply[] replies = await Task.WhenAll(clients.Select(c => c.HeloAsync("x").AsTask()));
        replies.Should().OnlyContain(r => r.IsContinue);
        foreach (MilterClient c in clients)
        {
            await c.QuitAsync();
            await c.DisposeAsync();
        }
    }
}
