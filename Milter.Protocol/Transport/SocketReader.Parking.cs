using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Milter.Protocol.Session;

namespace Milter.Protocol.Transport;

/// <summary>
/// The idle wait of a <see cref="SocketReader"/> on Linux: a read with nothing buffered first receives without
/// waiting (the MTA's next command is often there already); when nothing is there, the reader parks itself and hands
/// out a <see cref="ValueTask{TResult}"/> that it completes itself (it is its own <see cref="IValueTaskSource{TResult}"/>)
/// when the <see cref="ReadinessMonitor"/> reports bytes. So an idle connection holds no receive operation, no event
/// args, no state machine and no cancellation source. CancelPendingRead and the caller's token complete a parked read
/// at once. The watch is edge-triggered: an arrival while not parked is remembered and served at the next park.
/// </summary>
internal sealed partial class SocketReader : IValueTaskSource<ReadResult>, IReadinessTarget, IResumableReader
{
    private const int Idle = 0;
    private const int Parked = 1;
    private const int Receiving = 2;

    private ReadinessMonitor? Monitor => waitForData ? ReadinessMonitor.Shared : null; // no field: 8 bytes less per connection
    // Completed with "cancelled?" only: the result is made from the buffer when taken (nothing touches the buffer
    // between completion and the caller's GetResult), so an idle connection does not keep a ReadResult in here.
    private ManualResetValueTaskSourceCore<bool> _parkedRead;
    private ulong _monitorKey;
    private bool _inMonitor;
    private bool _watched;
    private int _parked;
    private int _arrived;
    private bool _lastReadParked; // the last ReadAsync returned the parked read

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => Result(canceled: _parkedRead.GetResult(token));

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _parkedRead.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _parkedRead.OnCompleted(continuation, state, token, flags);

    /// <summary>Bytes (or the end) arrived: from the monitor, on the thread pool or its own thread.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _arrived, 1);
        ServeParked();
    }

    private ValueTask<ReadResult> ReceiveOrParkAsync(CancellationToken cancellationToken)
    {
        if (TryReceiveNow(out Exception? error))
        {
            return error is null ? new ValueTask<ReadResult>(Result(canceled: false)) : ValueTask.FromException<ReadResult>(error);
        }

        if (!_watched)
        {
            if (!_inMonitor)
            {
                _monitorKey = Monitor!.Register(this);
                _inMonitor = true;
            }

            if (!Monitor!.Watch(socket.Handle, _monitorKey))
            {
                return ReceiveAsync(cancellationToken); // epoll refused this socket: the zero-byte receive then
            }

            _watched = true;
        }

        _parkedRead.Reset();
        if (cancellationToken.CanBeCanceled)
        {
            CancellationState().Parked = cancellationToken.UnsafeRegister(static state => ((SocketReader)state!).TryCancelParked(byToken: true), this);
        }
        else if (_cancellation is { } cancellation)
        {
            cancellation.Parked = default;
        }

        Volatile.Write(ref _parked, Parked);
        ServeParked(); // bytes that came since the receive above: their arrival was reported while not parked
        if (cancellationToken.IsCancellationRequested)
        {
            TryCancelParked(byToken: true); // cancelled before the registration
        }
        else if (Volatile.Read(ref _cancelRequested) == 1)
        {
            TryCancelParked(byToken: false); // CancelPendingRead came between TryRead and parking
        }

        _lastReadParked = true;
        return new ValueTask<ReadResult>(this, _parkedRead.Version);
    }

    bool IResumableReader.TryOnPendingReadCompleted(Action<object?> continuation, object? state)
    {
        if (!_lastReadParked)
        {
            return false;
        }

        _parkedRead.OnCompleted(continuation, state, _parkedRead.Version, ValueTaskSourceOnCompletedFlags.None);
        return true;
    }

    ReadResult IResumableReader.TakePendingReadResult() => ((IValueTaskSource<ReadResult>)this).GetResult(_parkedRead.Version);

    /// <summary>If parked and an arrival is pending: receive, and complete the parked read unless nothing was there after all.</summary>
    private void ServeParked()
    {
        while (Volatile.Read(ref _arrived) == 1)
        {
            // Parked → Receiving: from here on no cancellation touches the buffer or completes the read.
            if (Interlocked.CompareExchange(ref _parked, Receiving, Parked) != Parked)
            {
                return; // not waiting: the arrival stays remembered for the next park
            }

            Volatile.Write(ref _arrived, 0);
            if (TryReceiveNow(out Exception? error))
            {
                _cancellation?.Parked.Unregister();
                Volatile.Write(ref _parked, Idle);
                if (error is null)
                {
                    _parkedRead.SetResult(false);
                }
                else
                {
                    _parkedRead.SetException(error);
                }

                return;
            }

            // Nothing after all (those bytes were taken already): wait on, and honour a cancellation that came meanwhile.
            Volatile.Write(ref _parked, Parked);
            if (_cancellation is { } cancellation && cancellation.Parked.Token.IsCancellationRequested)
            {
                TryCancelParked(byToken: true);
                return;
            }

            if (Volatile.Read(ref _cancelRequested) == 1)
            {
                TryCancelParked(byToken: false);
                return;
            }
        }
    }

    /// <summary>One receive without waiting: true with the bytes (or the end, or <paramref name="error"/>), false when there was nothing.</summary>
    private bool TryReceiveNow(out Exception? error)
    {
        error = null;
        Memory<byte> space = FreeSpace();
        int received = NonBlocking.Receive(socket, space.Span, out SocketError status);
        if (status == SocketError.Success)
        {
            _end += received;
            _examinedAll = false;
            _endOfStream = received == 0;
            return true;
        }

        if (Buffered == 0)
        {
            ReturnBuffer(); // nothing came: an idle connection holds no array
        }

        if (status == SocketError.WouldBlock)
        {
            return false;
        }

        error = new IOException($"Unable to read data from the transport connection: {new SocketException((int)status).Message}", new SocketException((int)status));
        return true;
    }

    /// <summary>Completes a parked read as cancelled: by the caller's token (an exception) or by CancelPendingRead (a result).</summary>
    private bool TryCancelParked(bool byToken)
    {
        if (Interlocked.CompareExchange(ref _parked, Idle, Parked) != Parked)
        {
            return false;
        }

        CancellationToken token = _cancellation?.Parked.Token ?? default;
        _cancellation?.Parked.Unregister();
        if (byToken)
        {
            _parkedRead.SetException(new OperationCanceledException(token));
        }
        else
        {
            Volatile.Write(ref _cancelRequested, 0);
            _parkedRead.SetResult(true);
        }

        return true;
    }

    private void LeaveMonitor()
    {
        if (_inMonitor)
        {
            _inMonitor = false;
            Monitor!.Unregister(_monitorKey);
        }
    }
}
