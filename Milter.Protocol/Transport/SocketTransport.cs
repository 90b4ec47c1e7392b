using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Milter.Protocol.Transport;

/// <summary>
/// A connected socket as a duplex pipe. With <see cref="SocketTransportOptions.WaitForDataBeforeAllocatingBuffer"/>
/// (the server default) reads start with a zero-byte read, so an idle connection holds no buffer.
/// </summary>
public sealed class SocketTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public SocketTransport(Socket socket)
        : this(socket, SocketTransportOptions.Server)
    {
    }

    public SocketTransport(Socket socket, SocketTransportOptions options)
    {
        _socket = socket;
        if (socket.RemoteEndPoint is IPEndPoint)
        {
            socket.NoDelay = true;
        }

        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: options.MinimumReceiveSize, leaveOpen: true, useZeroByteReads: options.WaitForDataBeforeAllocatingBuffer));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: options.MinimumSendBufferSize, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Connects to a milter socket spec.</summary>
    public static Task<SocketTransport> ConnectAsync(MilterSocketSpec spec, CancellationToken cancellationToken) =>
        ConnectAsync(spec, SocketTransportOptions.Client, cancellationToken);

    /// <summary>Connects to a milter socket spec with the given read/write behaviour.</summary>
    public static async Task<SocketTransport> ConnectAsync(MilterSocketSpec spec, SocketTransportOptions options, CancellationToken cancellationToken)
    {
        EndPoint endPoint = await spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, spec.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
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

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
