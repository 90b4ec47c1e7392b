using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using FluentAssertions;
using Milter.Protocol.Listening;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>
/// The listener's own accept on Linux (accept4 on the descriptor, waits on the readiness monitor): what its errors
/// mean to the accept loop, that a connection is served on its descriptor alone, and that closing one is an end of
/// stream for the peer, never a reset.
/// </summary>
[CancelAfter(20_000)]
public class ReadinessAcceptorTests
{
    private readonly ListLogger _log = new();

    [TestCase(24, "Exhausted")] // EMFILE
    [TestCase(23, "Exhausted")] // ENFILE
    [TestCase(105, "Exhausted")] // ENOBUFS
    [TestCase(12, "Exhausted")] // ENOMEM
    [TestCase(103, "Retry")] // ECONNABORTED
    [TestCase(71, "Retry")] // EPROTO: a pending network error, retried as accept(2) says
    [TestCase(101, "Retry")] // ENETUNREACH
    [TestCase(4, "Retry")] // EINTR
    [TestCase(9, "Stop")] // EBADF: the listening socket was closed
    [TestCase(22, "Stop")] // EINVAL: no longer listening
    [TestCase(13, "Other")] // EACCES: anything else
    public void AcceptErrno_MeansWhatTheRuntimesAcceptWouldHaveReported(int errno, string expected)
    {
        SocketException error = RawSocket.AcceptFailed(errno);

        AcceptErrors.Classify(error).ToString().Should().Be(expected);
        error.Message.Should().Contain($"errno {errno}");
    }

    [Test]
    public void RefusedSocketOption_ThrowsAsTheRuntimesSetterDoes()
    {
        Assume.That(OperatingSystem.IsLinux(), "the descriptor calls are Linux only");
        (Socket left, Socket right) = UnixPair();
        using (left)
        using (right)
        {
            Action runtime = () => left.NoDelay = true; // TCP_NODELAY on a unix socket: EOPNOTSUPP
            Action raw = () => RawSocket.SetNoDelay(right.SafeHandle);

            runtime.Should().Throw<SocketException>();
            raw.Should().Throw<SocketException>().Which.Message.Should().Contain("setsockopt").And.Contain("errno 95");
        }
    }

    [Test]
    public async Task AcceptedConnection_IsServedOnItsDescriptor_WithNoSocketObject_AndClosesWithAnEndOfStream(CancellationToken cancellationToken)
    {
        Assume.That(OperatingSystem.IsLinux(), "the descriptor accept is Linux only");
        (SocketListener listener, Socket peer, ListenerConnection? connection) = await ConnectOneAsync(cancellationToken);
        await using var stopped = listener;
        using var closed = peer;

        SocketOf(connection!).Should().BeNull("nothing asked for a Socket object: the connection is its descriptor");
        var transport = new SocketTransport(connection!, SocketTransportOptions.Server);
        await peer.SendAsync("ping"u8.ToArray(), SocketFlags.None, cancellationToken);
        var read = await transport.Input.ReadAsync(cancellationToken);
        read.Buffer.Length.Should().Be(4);
        transport.Input.AdvanceTo(read.Buffer.End);
        transport.Output.Write("pong"u8);
        await transport.Output.FlushAsync(cancellationToken);
        SocketOf(connection!).Should().BeNull("reads and writes that need not wait go straight to the descriptor");

        await transport.Input.CompleteAsync();
        await transport.Output.CompleteAsync();
        connection!.Complete();

        (await ReadToEndAsync(peer, cancellationToken)).Should().Be("pong", "the peer reads the reply and then an end of stream, not a reset");
        listener.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task SocketAskedFor_IsMadeOverTheDescriptor_AndClosingItStillEndsTheStreamGracefully(CancellationToken cancellationToken)
    {
        (SocketListener listener, Socket peer, ListenerConnection? connection) = await ConnectOneAsync(cancellationToken);
        await using var stopped = listener;
        using var closed = peer;

        Socket socket = connection!.Socket;
        connection.Socket.Should().BeSameAs(socket, "made once");
        ((IPEndPoint)socket.RemoteEndPoint!).Port.Should().Be(((IPEndPoint)peer.LocalEndPoint!).Port);
        await socket.SendAsync("bye"u8.ToArray(), SocketFlags.None, cancellationToken);
        connection.Complete();

        (await ReadToEndAsync(peer, cancellationToken)).Should().Be("bye", "closing the made socket closes the descriptor, gracefully");
        socket.SafeHandle.IsClosed.Should().BeTrue();
    }

    [Test]
    public async Task ConnectionsArrivingWhileTheListenerWaits_AreEachAccepted_AndAStopEndsTheWait(CancellationToken cancellationToken)
    {
        var served = new ConcurrentQueue<ListenerConnection>();
        var listener = new SocketListener(new SocketListenerOptions { Name = "Test", Listen = "inet:0@127.0.0.1" }, served.Enqueue, _log);
        await listener.StartAsync(cancellationToken);
        var peers = new List<Socket>();
        try
        {
            for (int i = 1; i <= 3; i++)
            {
                await Task.Delay(50, cancellationToken); // the listener is waiting again when the next one comes
                var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                peers.Add(peer);
                await peer.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
                int expected = i;
                await WaitForAsync(() => served.Count == expected, cancellationToken);
            }

            foreach (ListenerConnection connection in served)
            {
                connection.Complete();
            }

            await listener.StopAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            listener.AcceptedCount.Should().Be(3);
        }
        finally
        {
            await listener.DisposeAsync();
            peers.ForEach(p => p.Dispose());
        }
    }

    /// <summary>A listener on a free loopback port with one peer connected to it, and the connection it accepted.</summary>
    private async Task<(SocketListener Listener, Socket Peer, ListenerConnection? Connection)> ConnectOneAsync(CancellationToken cancellationToken)
    {
        var served = new ConcurrentQueue<ListenerConnection>();
        var listener = new SocketListener(new SocketListenerOptions { Name = "Test", Listen = "inet:0@127.0.0.1" }, served.Enqueue, _log);
        await listener.StartAsync(cancellationToken);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        await WaitForAsync(() => !served.IsEmpty, cancellationToken);
        served.TryPeek(out ListenerConnection? connection).Should().BeTrue();
        return (listener, peer, connection);
    }

    private static (Socket Left, Socket Right) UnixPair()
    {
        string path = Path.Combine(Path.GetTempPath(), $"acceptor-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var left = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            left.Connect(new UnixDomainSocketEndPoint(path));
            return (left, listener.Accept());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Socket? SocketOf(ListenerConnection connection) =>
        (Socket?)typeof(ListenerConnection).GetField("_socket", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(connection);

    private static async Task<string> ReadToEndAsync(Socket peer, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder();
        byte[] buffer = new byte[64];
        while (true)
        {
            int count = await peer.ReceiveAsync(buffer, SocketFlags.None, cancellationToken); // a reset throws here
            if (count == 0)
            {
                return text.ToString();
            }

            text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, count));
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(5, cancellationToken);
        }
    }
}
