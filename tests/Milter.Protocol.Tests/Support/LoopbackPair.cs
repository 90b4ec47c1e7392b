using System.Net;
using System.Net.Sockets;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Tests.Support;

/// <summary>Two connected TCP sockets on 127.0.0.1 (a free port): <see cref="Local"/> under test and its <see cref="Peer"/>.</summary>
internal sealed class LoopbackPair(Socket local, Socket peer) : IDisposable
{
    public Socket Local { get; } = local;

    public Socket Peer { get; } = peer;

    /// <param name="localSendBuffer">SO_SNDBUF of the side under test (null: the system's).</param>
    /// <param name="peerReceiveBuffer">SO_RCVBUF of the peer, set before connecting so the window is small from the start.</param>
    public static async Task<LoopbackPair> ConnectAsync(int? localSendBuffer = null, int? peerReceiveBuffer = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (peerReceiveBuffer is int receive)
        {
            peer.ReceiveBufferSize = receive;
        }

        Task connecting = peer.ConnectAsync(listener.LocalEndPoint!);
        Socket local = await listener.AcceptAsync();
        await connecting;
        local.NoDelay = true;
        if (localSendBuffer is int send)
        {
            local.SendBufferSize = send;
        }

        NonBlocking.Prepare(new ExistingSocket(local)); // as SocketTransport does
        return new LoopbackPair(local, peer);
    }

    public void Dispose()
    {
        Local.Dispose();
        Peer.Dispose();
    }
}
