using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>Deadlines a peer cannot stretch, over real loopback sockets: silent, trickling and non-reading MTAs are closed.</summary>
[Category("Sockets")]
[NonParallelizable]
[CancelAfter(60_000)]
public class MilterServerDeadlineTests
{
    private readonly ListLogger _log = new();

    private async Task<(MilterServer Server, IPEndPoint EndPoint)> StartAsync(MilterSessionOptions session)
    {
        var server = new MilterServer(new MilterServerOptions { Listen = "inet:0@127.0.0.1", Session = session }, () => new ScriptedHandler(), _log);
        await server.StartAsync(default);
        return (server, (IPEndPoint)server.LocalEndPoint!);
    }

    /// <summary>Reads until the server closes the connection (a reset counts as closed); returns how many bytes came.</summary>
    private static async Task<int> ReceivedUntilClosedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        int total = 0;
        try
        {
            int received;
            while ((received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
            {
                total += received;
            }
        }
        catch (SocketException)
        {
            // reset: closed as well
        }

        return total;
    }

    [Test]
    public async Task SilentMta_IsClosedAtTheIdleTimeout(CancellationToken cancellationToken)
    {
        (MilterServer server, IPEndPoint endPoint) = await StartAsync(new MilterSessionOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using (server)
        {
            using var mta = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await mta.ConnectAsync(endPoint, cancellationToken);
            (await ReceivedUntilClosedAsync(mta, cancellationToken)).Should().Be(0, "a silent MTA is closed without a reply");
            _log.Warnings.Should().ContainSingle().Which.Should().Contain("no packet for");
        }
    }

    [Test]
    public async Task MtaTricklingAPacketAByteAtATime_IsClosedAtTheFrameTimeoutOfItsFirstByte(CancellationToken cancellationToken)
    {
        (MilterServer server, IPEndPoint endPoint) = await StartAsync(new MilterSessionOptions { FrameTimeout = TimeSpan.FromSeconds(1) });
        await using (server)
        {
            using var mta = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await mta.ConnectAsync(endPoint, cancellationToken);
            byte[] packet = Frame('O', new byte[60]); // 65 bytes at 200 ms each: 13 s if it were allowed
            while (server.ConnectionCount == 0)
            {
                await Task.Delay(10, cancellationToken); // accepted and counted, so a count of 0 below means closed
            }

            int sent = 0;
            try
            {
                foreach (byte b in packet)
                {
                    await mta.SendAsync(new[] { b }, SocketFlags.None, cancellationToken);
                    sent++;
                    if (server.ConnectionCount == 0)
                    {
                        break;
                    }

                    await Task.Delay(200, cancellationToken);
                }
            }
            catch (SocketException)
            {
                // reset by the server: what we wait for
            }

            sent.Should().BeLessThan(packet.Length);
            (await ReceivedUntilClosedAsync(mta, cancellationToken)).Should().Be(0, "a packet cut short by its deadline is not answered");
            _log.Warnings.Should().ContainSingle().Which.Should().Contain("Timeout").And.Contain("after its first byte");
        }
    }

    /// <summary>An MTA that pipelines commands and never reads the replies: the server's socket buffer fills and the connection is closed at the write timeout.</summary>
    [Test]
    public async Task MtaThatNeverReads_IsClosedAtTheWriteTimeout_NotBufferedForEver(CancellationToken cancellationToken)
    {
        (MilterServer server, IPEndPoint endPoint) = await StartAsync(new MilterSessionOptions { WriteTimeout = TimeSpan.FromSeconds(1) });
        await using (server)
        {
            using var mta = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await mta.ConnectAsync(endPoint, cancellationToken);
            byte[] helo = Frame('H', Z(new string('h', 200)));
            byte[] batch = Concat([.. Enumerable.Repeat(helo, 100)]);
            await mta.SendAsync(Concat(OptNeg(), Connect4()), SocketFlags.None, cancellationToken);
            // The first reply proves the server has accepted and counted the connection; before it, ConnectionCount
            // may still be 0 and the loop below would end at once.
            (await mta.ReceiveAsync(new byte[1], SocketFlags.None, cancellationToken)).Should().Be(1);
            server.ConnectionCount.Should().Be(1);
            try
            {
                // Each HELO gets a 5-byte CONTINUE; the replies pile up unread until the server's send buffer is full.
                while (server.ConnectionCount > 0 && !cancellationToken.IsCancellationRequested)
                {
                    using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    slice.CancelAfter(TimeSpan.FromMilliseconds(200));
                    await mta.SendAsync(batch, SocketFlags.None, slice.Token).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            catch (SocketException)
            {
                // reset by the server
            }

            _log.Warnings.Should().ContainSingle().Which.Should().Contain("Timeout").And.Contain("not taken");
        }
    }
}
