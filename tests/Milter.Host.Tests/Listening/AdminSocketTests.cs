using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Admin;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Options;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Listening;

/// <summary>The admin socket service in this process, over its real unix socket: every request answered, deadlines, limits.</summary>
[Category("Sockets")]
[CancelAfter(60_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminSocketTests
{
    private string _dir = null!;
    private readonly FakeLogger<AdminSocketService> _log = new();
    private readonly ILeaseTable _leases = new InMemoryLeaseStore();
    private AdminSocketService _service = null!;

    private string SocketPath => Path.Combine(_dir, AdminSocketService.FileName);

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("milter-admin-test").FullName;

    [TearDown]
    public async Task StopAndDelete()
    {
        await _service.StopAsync(CancellationToken.None);
        await _service.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task StartAsync(AdminSettings? settings = null)
    {
        _service = new AdminSocketService(_leases, new StatePaths(_dir), settings ?? new AdminSettings(), _log);
        await _service.StartAsync(CancellationToken.None);
    }

    /// <summary>Answers end with a line <c>OK</c> or <c>ERR …</c>.</summary>
    private static int Answers(string received) => received.Split('\n').Count(l => l == "OK" || l.StartsWith("ERR", StringComparison.Ordinal));

    [Test]
    public async Task PipelinedRequestsInOneWrite_AreAllAnsweredInOrder_InvalidOnesIncluded(CancellationToken cancellationToken)
    {
        await StartAsync();
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        await admin.SendAsync("list\nlist\nADD 192.0.2.1 - alice\nADD not-an-ip\n\nSHOW 192.0.2.1\r\nfrobnicate\nREMOVE 192.0.2.9\n", cancellationToken);

        (await admin.ReadUntilAsync(r => Answers(r) == 8, cancellationToken)).Should().BeTrue(admin.Received);
        string[] lines = admin.Received.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Select(l => l.Split(' ')[0]).Should().Equal("OK", "OK", "LEASE", "OK", "ERR", "ERR", "LEASE", "OK", "ERR", "ERR");
        lines.Should().Contain("ERR bad address 'not-an-ip'").And.Contain("ERR empty command").And.Contain("ERR no lease for 192.0.2.9");

        await admin.SendAsync("list\n", cancellationToken);
        (await admin.ReadUntilAsync(r => Answers(r) == 9, cancellationToken)).Should().BeTrue("the connection still serves after a batch");
    }

    [Test]
    public async Task RequestSplitAcrossManyWrites_IsAnsweredOnce(CancellationToken cancellationToken)
    {
        await StartAsync();
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        foreach (char c in "ADD 192.0.2.2 90s\n")
        {
            await admin.SendAsync(c.ToString(), cancellationToken);
        }

        (await admin.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue();
        admin.Received.Should().StartWith("LEASE 192.0.2.2 ").And.EndWith("OK\n");
    }

    [Test]
    public async Task ControlCharacters_AreRefused_AndKeptOutOfTheLog(CancellationToken cancellationToken)
    {
        await StartAsync();
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        await admin.SendAsync("ADD 192.0.2.3 - eve\u001b[2J\n", cancellationToken);
        (await admin.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue();
        admin.Received.Should().StartWith("ERR control characters");
        (await _leases.GetAsync(System.Net.IPAddress.Parse("192.0.2.3"), cancellationToken)).Should().BeNull();
        _log.Collector.GetSnapshot().Should().NotContain(r => r.Message.Contains('\u001b'));
    }

    [Test]
    public async Task LineTooLong_IsAnsweredThenClosed(CancellationToken cancellationToken)
    {
        await StartAsync();
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        await admin.SendAsync("list\n" + new string('x', 5000), cancellationToken);
        (await admin.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10), cancellationToken)).Should().BeTrue();
        admin.Received.Should().Be("OK\nERR line too long\n");
    }

    [Test]
    public async Task SilentClient_IsClosedAtTheIdleTimeout(CancellationToken cancellationToken)
    {
        await StartAsync(new AdminSettings { IdleTimeoutSeconds = 1 });
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        (await admin.ClosedByServerWithinAsync(TimeSpan.FromSeconds(20), cancellationToken)).Should().BeTrue();
        _log.Collector.GetSnapshot().Should().Contain(r => r.Message.Contains("idle for 1 s"));
    }

    [Test]
    public async Task ClientTricklingALine_IsClosedAtTheRequestTimeoutOfItsFirstByte(CancellationToken cancellationToken)
    {
        await StartAsync(new AdminSettings { RequestTimeoutSeconds = 1 });
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        int sent = 0;
        string line = "ADD 192.0.2.4 - " + new string('u', 60) + "\n"; // 77 bytes at 200 ms each: 15 s if it were allowed
        try
        {
            foreach (char c in line)
            {
                await admin.SendAsync(c.ToString(), cancellationToken);
                sent++;
                await Task.Delay(200, cancellationToken);
                if (admin.Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead))
                {
                    break; // closed by the server
                }
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        sent.Should().BeLessThan(line.Length);
        (await admin.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10), cancellationToken)).Should().BeTrue();
        admin.Received.Should().BeEmpty("a request that did not arrive in time gets no answer");
        (await _leases.GetAsync(System.Net.IPAddress.Parse("192.0.2.4"), cancellationToken)).Should().BeNull();
    }

    [Test]
    public async Task ClientThatNeverReads_IsClosedAtTheWriteTimeout(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 2000; i++)
        {
            await _leases.AddAsync(System.Net.IPAddress.Parse($"10.{i / 250}.{i % 250}.1"), "test", "user-with-a-long-name", null, cancellationToken);
        }

        await StartAsync(new AdminSettings { RequestTimeoutSeconds = 1 });
        using PeerStream admin = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        admin.Socket.ReceiveBufferSize = 4096;
        byte[] lists = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("list\n", 200))); // ~20 MB of answers
        try
        {
            await admin.SendAsync(lists, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        await Eventually.TrueAsync(() => _log.Collector.GetSnapshot().Any(r => r.Message.Contains("answer not taken")), TimeSpan.FromSeconds(30), "\"answer not taken\" is logged", cancellationToken: cancellationToken);
        (await admin.ClosedByServerWithinAsync(TimeSpan.FromSeconds(20), cancellationToken)).Should().BeTrue();
    }

    [Test]
    public async Task ConnectionsOverTheCap_AreClosedAtAccept_AndTheOthersServed(CancellationToken cancellationToken)
    {
        await StartAsync(new AdminSettings { MaxConnections = 2 });
        using PeerStream a = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        using PeerStream b = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        await a.SendAsync("list\n", cancellationToken);
        (await a.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue();
        using PeerStream c = await PeerStream.ConnectUnixAsync(SocketPath, cancellationToken);
        (await c.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10), cancellationToken)).Should().BeTrue();
        c.Received.Should().BeEmpty();
        await b.SendAsync("list\n", cancellationToken);
        (await b.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue();
    }
}
