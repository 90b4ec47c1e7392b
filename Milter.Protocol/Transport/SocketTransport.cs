using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Milter.Protocol.Transport;

/// <summary>A connected socket as a duplex pipe. Reads start with a zero-byte read, so an idle connection holds no buffer.</summary>
public sealed class SocketTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        if (socket.RemoteEndPoint is IPEndPoint)
        {
            socket.NoDelay = true;
        }

        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Connects to a milter socket spec.</summary>
    public static async Task<SocketTransport> ConnectAsync(MilterSocketSpec spec, CancellationToken cancellationToken)
    {
        EndPoint endPoint = await spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, spec.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new SocketTransport(socket);
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
