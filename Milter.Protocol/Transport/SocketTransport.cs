using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Milter.Protocol.Listening;

namespace Milter.Protocol.Transport;

/// <summary>
/// A connected socket as a duplex pipe: <see cref="SocketReader"/> receives straight into one pooled array and
/// <see cref="SocketWriter"/> sends a step's packets with one call (no stream or pipe between them and the socket).
/// With <see cref="SocketTransportOptions.WaitForDataBeforeAllocatingBuffer"/> (the server default) reads start
/// with a zero-byte read, so an idle connection holds no buffer.
/// </summary>
public sealed class SocketTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly IConnectedSocket _socket;
    private bool _disposed;

    public SocketTransport(Socket socket)
        : this(socket, SocketTransportOptions.Server)
    {
    }

    public SocketTransport(Socket socket, SocketTransportOptions options)
        : this(new ExistingSocket(socket), socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6, options)
    {
    }

    /// <summary>
    /// An accepted connection as a duplex pipe, on its descriptor: no <see cref="Socket"/> object is made unless a
    /// send must wait for the peer (or the platform has no epoll). Disposing this closes the socket (as the listener does once the connection ends).
    /// </summary>
    public SocketTransport(ListenerConnection connection, SocketTransportOptions options)
        : this(connection, connection.IsTcp, options)
    {
    }

    private SocketTransport(IConnectedSocket socket, bool isTcp, SocketTransportOptions options)
    {
        _socket = socket;
        if (isTcp)
        {
            // (known from the listener, not asked: RemoteEndPoint would be a getpeername call per connection)
            if (OperatingSystem.IsLinux())
            {
                RawSocket.SetNoDelay(socket.Handle);
            }
            else
            {
                socket.Socket.NoDelay = true;
            }
        }

        NonBlocking.Prepare(socket); // sends try without waiting first (SocketWriter), and so do idle reads on Linux
        Input = new SocketReader(socket, options.WaitForDataBeforeAllocatingBuffer, options.MinimumReceiveSize);
        Output = new SocketWriter(socket, options.MinimumSendBufferSize, options.WriteTimeout);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? RemoteEndPoint => _socket.Socket.RemoteEndPoint;

    /// <summary>Connects to a milter socket spec.</summary>
    public static Task<SocketTransport> ConnectAsync(MilterSocketSpec spec, CancellationToken cancellationToken) =>
        ConnectAsync(spec, SocketTransportOptions.Client, cancellationToken);

    /// <summary>Connects to a milter socket spec with the given read/write behaviour.</summary>
    public static async Task<SocketTransport> ConnectAsync(MilterSocketSpec spec, SocketTransportOptions options, CancellationToken cancellationToken)
    {
        EndPoint endPoint = await spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(endPoint, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects to an endpoint already resolved (a unix path or an IP address and port).</summary>
    public static async Task<SocketTransport> ConnectAsync(EndPoint endPoint, SocketTransportOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, endPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new SocketTransport(socket, options);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Input.Complete();
            Output.Complete();
            if (_socket is ListenerConnection connection)
            {
                connection.CloseSocket();
            }
            else
            {
                _socket.Socket.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }
}
