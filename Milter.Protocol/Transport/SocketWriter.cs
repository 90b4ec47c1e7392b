using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Milter.Protocol.Transport;

/// <summary>
/// A <see cref="PipeWriter"/> that gathers the packets of one step in a pooled array and sends them with one
/// send call at flush. The array goes back to the pool after each flush, so an idle connection holds none. A peer
/// that does not read makes a flush wait at most <paramref name="writeTimeout"/>, then fail with <see cref="TimeoutException"/>.
/// </summary>
internal sealed class SocketWriter(IConnectedSocket socket, int minimumBufferSize, TimeSpan writeTimeout) : PipeWriter
{
    private readonly int _minimumSize = Math.Max(256, minimumBufferSize);

    // Kept in milliseconds (-1: none), not as a TimeSpan: an idle connection's writer is 8 bytes smaller.
    private readonly int _writeTimeoutMilliseconds = writeTimeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(writeTimeout.TotalMilliseconds, 0, int.MaxValue);
    private byte[]? _buffer;
    private int _written;
    private bool _completed;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advance went past the memory handed out");
        }

        _written += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int sent = 0;
        while (sent < _written)
        {
            // A send that does not wait first: a reply almost always fits in the socket buffer, and this way no send
            // operation is kept on the socket for the connection's lifetime.
            int count = NonBlocking.Send(socket, _buffer.AsSpan(sent, _written - sent), out SocketError error);
            if (error == SocketError.Success)
            {
                sent += count;
            }
            else if (error == SocketError.WouldBlock)
            {
                return FinishSendAsync(sent, cancellationToken);
            }
            else
            {
                return ValueTask.FromException<FlushResult>(WriteFailed(new SocketException((int)error)));
            }
        }

        Sent();
        return new ValueTask<FlushResult>(default(FlushResult));
    }

    public override void CancelPendingFlush()
    {
        // Sends complete or fail on their own (the socket's buffer or a reset); nothing waits on a reader.
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        ReturnBuffer();
    }

    private static IOException WriteFailed(SocketException ex) =>
        new($"Unable to write data to the transport connection: {ex.Message}", ex);

    /// <summary>The rest of a send the socket buffer could not take: waits for the peer, at most the write timeout.</summary>
    private async ValueTask<FlushResult> FinishSendAsync(int sent, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_writeTimeoutMilliseconds >= 0)
        {
            timeout.CancelAfter(_writeTimeoutMilliseconds);
        }

        try
        {
            while (sent < _written)
            {
                sent += await socket.Socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the peer has not read for {_writeTimeoutMilliseconds / 1000.0:0.###} s ({_written - sent} bytes unsent)");
        }
        catch (SocketException ex)
        {
            throw WriteFailed(ex);
        }

        Sent();
        return default;
    }

    private void Sent()
    {
        _written = 0;
        ReturnBuffer();
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int needed = Math.Max(1, sizeHint);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_minimumSize, needed));
            return;
        }

        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        Buffer.BlockCopy(_buffer, 0, larger, 0, _written);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
