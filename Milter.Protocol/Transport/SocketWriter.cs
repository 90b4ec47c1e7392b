using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// A <see cref="PipeWriter"/> that gathers the packets of one step in a pooled array and sends them with one
/// send call at flush. The array goes back to the pool after each flush, so an idle connection holds none.
/// </summary>
internal sealed class SocketWriter(Socket socket, int minimumBufferSize) : PipeWriter
{
    private readonly int _minimumSize = Math.Max(256, minimumBufferSize);
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
        if (_written == 0)
        {
            return new ValueTask<FlushResult>(default(FlushResult));
        }

        // Socket errors come back in the task, never thrown from the call.
        ValueTask<int> send = socket.SendAsync(_buffer.AsMemory(0, _written), SocketFlags.None, cancellationToken);
        if (send.IsCompletedSuccessfully)
        {
            int sent = send.Result;
            if (sent == _written)
            {
                Sent();
                return new ValueTask<FlushResult>(default(FlushResult));
            }

            return FinishSendAsync(new ValueTask<int>(sent), cancellationToken);
        }

        return FinishSendAsync(send, cancellationToken);
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> FinishSendAsync(ValueTask<int> pending, CancellationToken cancellationToken)
    {
        try
        {
            int sent = await pending.ConfigureAwait(false);
            while (sent < _written)
            {
                sent += await socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
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
