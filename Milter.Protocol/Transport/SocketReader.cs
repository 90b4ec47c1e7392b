using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// A <see cref="PipeReader"/> that receives from a connected socket straight into one pooled array: no stream, no
/// segment list and no second buffer between the socket and the frame reader. The unread bytes are always one
/// contiguous span (the array grows when a frame is larger than it, up to what the frame reader allows).
/// With <paramref name="waitForData"/> a read that has nothing buffered holds no array while it waits: on Linux it
/// is parked on the process's <see cref="ReadinessMonitor"/> (SocketReader.Parking.cs), elsewhere it waits with a
/// zero-byte receive. So an idle connection costs no buffer, and on Linux no pending receive either.
/// </summary>
internal sealed partial class SocketReader(IConnectedSocket socket, bool waitForData, int minimumReceiveSize) : PipeReader
{
    private const int InitialSize = 4096;
    private readonly int _minimumReceive = Math.Max(256, minimumReceiveSize);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _examinedAll;
    private bool _endOfStream;
    private bool _completed;
    private int _cancelRequested;

    // Who may return the array: Complete while no receive of the runtime's engine writes into it, else that receive
    // when it ends (an array back in the pool while the kernel still fills it would hand one connection's bytes to another).
    private const int BufferFree = 0;
    private const int BufferReceiving = 1;
    private const int BufferClosed = 2;
    private int _bufferOwner;

    // What only a reader that waits with a token, or with a receive, needs: made the first time (a milter session's
    // reader on Linux parks without a token and never makes it, so an idle connection is 16 bytes smaller).
    private sealed class Cancellation
    {
        // Cancels the receive in flight for CancelPendingRead (and for the caller's token, which is linked to it by a
        // registration only while a receive waits). Replaced once it has been cancelled.
        public CancellationTokenSource? Receive;

        // The caller's token, registered while a read is parked (SocketReader.Parking.cs).
        public CancellationTokenRegistration Parked;
    }

    private Cancellation? _cancellation;

    private int Buffered => _end - _start;

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
        {
            result = Result(canceled: true);
            return true;
        }

        if ((Buffered > 0 && !_examinedAll) || _endOfStream)
        {
            result = Result(canceled: false);
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        _lastReadParked = false;
        if (TryRead(out ReadResult result))
        {
            return new ValueTask<ReadResult>(result);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (waitForData && Buffered == 0 && Monitor is not null)
        {
            return ReceiveOrParkAsync(cancellationToken);
        }

        return ReceiveAsync(cancellationToken);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int consumedIndex = IndexOf(consumed);
        int examinedIndex = IndexOf(examined);
        if (consumedIndex < _start || consumedIndex > _end || examinedIndex < consumedIndex || examinedIndex > _end)
        {
            throw new InvalidOperationException("AdvanceTo was given a position outside the last buffer read");
        }

        _examinedAll = examinedIndex == _end;
        _start = consumedIndex;
        if (_start == _end)
        {
            _start = _end = 0;
            if (waitForData || _buffer!.Length > InitialSize)
            {
                ReturnBuffer(); // idle connections hold nothing; a grown array goes back
            }
        }
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelRequested, 1);
        if (!TryCancelParked(byToken: false))
        {
            CancelReceive();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        TryCancelParked(byToken: false);
        LeaveMonitor();
        if (Interlocked.Exchange(ref _bufferOwner, BufferClosed) == BufferReceiving)
        {
            // A receive is in flight: it ends now (cancelled) and gives the array back itself.
            CancelReceive();
            return;
        }

        ReturnBuffer();
        _cancellation?.Receive?.Dispose();
    }

    private void CancelReceive()
    {
        try
        {
            Cancellation? cancellation = Volatile.Read(ref _cancellation);
            if (cancellation is not null)
            {
                Volatile.Read(ref cancellation.Receive)?.Cancel();
            }
        }
        catch (ObjectDisposedException)
        {
            // completed meanwhile
        }
    }

    private ReadResult Result(bool canceled) =>
        new(_buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, Buffered), canceled, _endOfStream && !canceled);

    private int IndexOf(SequencePosition position)
    {
        object? owner = position.GetObject();
        if (!ReferenceEquals(owner, _buffer))
        {
            if (Buffered == 0 && owner is null or byte[] { Length: 0 })
            {
                return _start; // a position of ReadOnlySequence<byte>.Empty, read while no array was held
            }

            throw new InvalidOperationException("AdvanceTo was given a position from another buffer");
        }

        return position.GetInteger() & int.MaxValue;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource receiveCancel = ArmCancellation();
        using CancellationTokenRegistration caller = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), receiveCancel)
            : default;
        Interlocked.CompareExchange(ref _bufferOwner, BufferReceiving, BufferFree);
        try
        {
            if (waitForData && Buffered == 0)
            {
                await socket.Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, receiveCancel.Token).ConfigureAwait(false);
            }

            Memory<byte> space = FreeSpace();
            int received = await socket.Socket.ReceiveAsync(space, SocketFlags.None, receiveCancel.Token).ConfigureAwait(false);
            _end += received;
            _examinedAll = false;
            _endOfStream = received == 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _cancelRequested) == 1)
        {
            Volatile.Write(ref _cancelRequested, 0);
            return Result(canceled: true);
        }
        catch (SocketException ex)
        {
            throw new IOException($"Unable to read data from the transport connection: {ex.Message}", ex);
        }
        finally
        {
            if (Interlocked.CompareExchange(ref _bufferOwner, BufferFree, BufferReceiving) == BufferClosed)
            {
                ReturnBuffer(); // completed while this receive ran
                receiveCancel.Dispose();
            }
        }

        return Result(canceled: false);
    }

    /// <summary>A token source for this receive that is not yet cancelled; a CancelPendingRead racing with the swap still lands.</summary>
    private CancellationTokenSource ArmCancellation()
    {
        Cancellation cancellation = CancellationState();
        CancellationTokenSource? current = cancellation.Receive;
        if (current is null || current.IsCancellationRequested)
        {
            current?.Dispose();
            current = new CancellationTokenSource();
            Volatile.Write(ref cancellation.Receive, current);
        }

        if (Volatile.Read(ref _cancelRequested) == 1)
        {
            current.Cancel();
        }

        return current;
    }

    private Cancellation CancellationState()
    {
        Cancellation? cancellation = _cancellation;
        if (cancellation is null)
        {
            cancellation = new Cancellation();
            Volatile.Write(ref _cancellation, cancellation);
        }

        return cancellation;
    }

    /// <summary>Room after the unread bytes for at least the minimum receive: compacts first, grows only when full.</summary>
    private Memory<byte> FreeSpace()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
            return _buffer;
        }

        if (_buffer.Length - _end >= _minimumReceive)
        {
            return _buffer.AsMemory(_end);
        }

        int unread = Buffered;
        byte[] target = unread + _minimumReceive <= _buffer.Length ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, unread + _minimumReceive));
        Buffer.BlockCopy(_buffer, _start, target, 0, unread);
        if (!ReferenceEquals(target, _buffer))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
        }

        _start = 0;
        _end = unread;
        return _buffer.AsMemory(_end);
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
