using System.Diagnostics;
using System.Net;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Host.Tests.Listening;

/// <summary>The socketmap service in this process on a loopback port: pipelined netstrings, deadlines, and the per-user cap against another local user.</summary>
[Category("Sockets")]
[CancelAfter(60_000)]
public sealed class SocketMapServiceTests
{
    private readonly FakeLogger<SocketMapService> _log = new();
    private readonly ILeaseTable _leases = new InMemoryLeaseStore();
    private SocketMapService? _service;
    private IPEndPoint _endPoint = null!;

    [TearDown]
    public async Task Stop()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            await _service.DisposeAsync();
        }
    }

    private async Task StartAsync(Action<SocketMapSettings>? configure = null)
    {
        var settings = new SocketMapSettings { Listen = "inet:0@127.0.0.1" };
        configure?.Invoke(settings);
        _service = new SocketMapService(_leases, settings, _log);
        await _service.StartAsync(CancellationToken.None);
        _endPoint = (IPEndPoint)await MilterSocketSpec.Parse(_service.Endpoint!).ResolveAsync(CancellationToken.None);
    }

    internal static string Netstring(string payload) => $"{Encoding.ASCII.GetByteCount(payload)}:{payload},";

    private static int Answers(string received) => received.Count(c => c == ',');

    [Test]
    public async Task PipelinedRequestsInOneWrite_AreAllAnsweredInOrder(CancellationToken cancellationToken)
    {
        await _leases.AddAsync(IPAddress.Parse("192.0.2.50"), "test", null, null, cancellationToken);
        await StartAsync();
        using PeerStream map = await PeerStream.ConnectTcpAsync(_endPoint, cancellationToken);
        await map.SendAsync(Netstring("drac 192.0.2.50") + Netstring("drac 192.0.2.51") + Netstring("other 192.0.2.50") + Netstring("drac 192.0.2.50"), cancellationToken);

        (await map.ReadUntilAsync(r => Answers(r) == 4, cancellationToken)).Should().BeTrue(map.Received);
        map.Received.Should().MatchRegex(@"^\d+:OK \d+,9:NOTFOUND ,\d+:PERM unknown map other,\d+:OK \d+,$");
    }

    [Test]
    public async Task SilentClient_IsClosedAtTheIdleTimeout(CancellationToken cancellationToken)
    {
        await StartAsync(m => m.IdleTimeoutSeconds = 1);
        using PeerStream map = await PeerStream.ConnectTcpAsync(_endPoint, cancellationToken);
        await map.SendAsync(Netstring("drac 192.0.2.1"), cancellationToken);
        (await map.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue();
        (await map.ClosedByServerWithinAsync(TimeSpan.FromSeconds(20), cancellationToken)).Should().BeTrue();
        _log.Collector.GetSnapshot().Should().Contain(r => r.Message.Contains("idle for 1 s"));
    }

    [Test]
    public async Task ClientTricklingARequest_IsClosedAtTheRequestTimeoutOfItsFirstByte(CancellationToken cancellationToken)
    {
        await StartAsync(m => m.RequestTimeoutSeconds = 1);
        using PeerStream map = await PeerStream.ConnectTcpAsync(_endPoint, cancellationToken);
        string request = Netstring("drac " + new string('1', 60)); // 69 bytes at 200 ms each: 14 s if it were allowed
        int sent = 0;
        try
        {
            foreach (char c in request)
            {
                await map.SendAsync(c.ToString(), cancellationToken);
                sent++;
                await Task.Delay(200, cancellationToken);
                if (map.Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead))
                {
                    break;
                }
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        sent.Should().BeLessThan(request.Length);
        (await map.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10), cancellationToken)).Should().BeTrue();
        map.Received.Should().BeEmpty();
    }

    [Test]
    public async Task ClientThatNeverReads_IsClosedAtTheWriteTimeout(CancellationToken cancellationToken)
    {
        await StartAsync(m => m.RequestTimeoutSeconds = 1);
        using PeerStream map = await PeerStream.ConnectTcpAsync(_endPoint, cancellationToken);
        map.Socket.ReceiveBufferSize = 4096;
        byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Netstring("drac 192.0.2.99"), 2000)));
        try
        {
            for (int i = 0; i < 200 && !cancellationToken.IsCancellationRequested && !_log.Collector.GetSnapshot().Any(r => r.Message.Contains("answer not taken")); i++)
            {
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                slice.CancelAfter(TimeSpan.FromMilliseconds(200));
                await map.Socket.SendAsync(batch, System.Net.Sockets.SocketFlags.None, slice.Token).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        await Eventually.TrueAsync(() => _log.Collector.GetSnapshot().Any(r => r.Message.Contains("answer not taken")), TimeSpan.FromSeconds(30), "\"answer not taken\" is logged", cancellationToken: cancellationToken);
        (await map.ClosedByServerWithinAsync(TimeSpan.FromSeconds(20), cancellationToken)).Should().BeTrue();
    }

    /// <summary>
    /// A local user (nobody) opens more connections than its cap and holds them: it gets its cap, the rest are closed
    /// at accept, and root (Sendmail's children) still gets answers. Without the per-user cap, nobody's connections
    /// would fill MaxConnections and every lookup of Sendmail's would fail.
    /// </summary>
    [Test]
    public async Task AnotherLocalUserHoldingConnections_CannotStarveRoot(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("needs root, to run a client as the user nobody (setpriv)");
        }

        await StartAsync(m =>
        {
            m.MaxConnections = 6;
            m.MaxConnectionsPerUser = 3;
        });
        using Process nobody = StartAsNobody(_endPoint.Port, connections: 10);
        string? counts = await nobody.StandardOutput.ReadLineAsync(cancellationToken);
        counts.Should().Be("answered 3 closed 7", await ErrorsOf(nobody, counts));

        var root = new List<PeerStream>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                PeerStream map = await PeerStream.ConnectTcpAsync(_endPoint, cancellationToken);
                root.Add(map);
                await map.SendAsync(Netstring("drac 192.0.2.1"), cancellationToken);
                (await map.ReadUntilAsync(r => Answers(r) == 1, cancellationToken)).Should().BeTrue($"root's connection {i + 1} is served while nobody holds its 3");
            }
        }
        finally
        {
            root.ForEach(m => m.Dispose());
            nobody.StandardInput.Close();
            await nobody.WaitForExitAsync(cancellationToken);
        }

        _log.Collector.GetSnapshot().Should().ContainSingle(r => r.Message.Contains("the per-peer limit")).Which.Message.Should().Contain("uid 65534");
    }

    private static Process StartAsNobody(int port, int connections)
    {
        const string Script = """
            import socket, sys
            port, n = int(sys.argv[1]), int(sys.argv[2])
            conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
            answered = closed = 0
            for s in conns:
                try:
                    s.settimeout(10)
                    s.sendall(b"14:drac 192.0.2.1,")
                    if s.recv(100):
                        answered += 1
                    else:
                        closed += 1
                except OSError:
                    closed += 1
            print(f"answered {answered} closed {closed}", flush=True)
            sys.stdin.read()
            """;
        var info = new ProcessStartInfo("setpriv") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), connections.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<string> ErrorsOf(Process process, string? output) =>
        output is null ? await process.StandardError.ReadToEndAsync() : string.Empty;
}
