using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Listening;

/// <summary>
/// Accepts on a listening socket's descriptor (accept4) and waits for the next connection on the process's
/// <see cref="ReadinessMonitor"/>, Linux only. Against the runtime's AcceptAsync it makes no
/// <see cref="Socket"/>, peer endpoint or address per connection (a connection is its descriptor until something
/// needs more), and a connection that arrives alone is accepted and started on the monitor's thread, with no hop
/// through the runtime's event thread and the thread pool. Errors are those the runtime's accept reports
/// (<see cref="RawSocket.AcceptFailed"/>), so the accept loop handles them alike. One waiter at a time.
/// </summary>
internal sealed class ReadinessAcceptor : IReadinessTarget, IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int Waiting = 1;

    private readonly Socket _listener;
    private readonly ReadinessMonitor _monitor;
    private readonly ulong _key;
    private ManualResetValueTaskSourceCore<bool> _wait;
    private CancellationTokenRegistration _registration;
    private bool _watched;
    private int _state;
    private int _arrived;

    private ReadinessAcceptor(Socket listener, ReadinessMonitor monitor)
    {
        _listener = listener;
        _monitor = monitor;
        _key = monitor.Register(this);
    }

    /// <summary>An acceptor for <paramref name="listener"/>, or null where there is no readiness monitor (not Linux).</summary>
    public static ReadinessAcceptor? TryCreate(Socket listener)
    {
        if (ReadinessMonitor.Shared is not { } monitor)
        {
            return null;
        }

        listener.Blocking = false; // accept4 must say EAGAIN, not wait, when the backlog is empty
        return new ReadinessAcceptor(listener, monitor);
    }

    /// <summary>The next connection's descriptor; throws as the runtime's accept does (a closed listener, EMFILE, …).</summary>
    public ValueTask<SocketDescriptor> AcceptAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return AcceptNow() is { } accepted ? new ValueTask<SocketDescriptor>(accepted) : WaitThenAcceptAsync(cancellationToken);
    }

    /// <summary>Leaves the monitor (the accept loop has ended).</summary>
    public void Close() => _monitor.Unregister(_key);

    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _arrived, 1);
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _registration.Unregister();
            _wait.SetResult(true);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    private async ValueTask<SocketDescriptor> WaitThenAcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (AcceptNow() is { } accepted)
            {
                return accepted;
            }
        }
    }

    /// <summary>One accept4: the connection, or null when the backlog is empty (an arrival from here on is seen by the next wait); throws on any other error.</summary>
    private SocketDescriptor? AcceptNow()
    {
        Volatile.Write(ref _arrived, 0);
        SocketDescriptor? accepted = RawSocket.Accept(_listener.SafeHandle, out int errno);
        return accepted is not null || errno == RawSocket.EAgain ? accepted : throw RawSocket.AcceptFailed(errno);
    }

    /// <summary>Until the listening socket is readable (edge-triggered: an arrival since the last accept counts) or the token fires.</summary>
    private ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (!_watched)
        {
            if (!_monitor.Watch(_listener.SafeHandle, _key))
            {
                throw new SocketException((int)SocketError.SocketError, "accept: epoll refused the listening socket");
            }

            _watched = true;
        }

        _wait.Reset();
        _registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((ReadinessAcceptor)state!).Cancel(), this)
            : default;
        Volatile.Write(ref _state, Waiting);
        if (cancellationToken.IsCancellationRequested)
        {
            Cancel(); // cancelled before the registration could see a wait
        }
        else if (Volatile.Read(ref _arrived) == 1 && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _registration.Unregister();
            _wait.SetResult(true); // arrived between the accept and this wait
        }

        return new ValueTask<bool>(this, _wait.Version);
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _wait.SetException(new OperationCanceledException("the listener is stopping"));
        }
    }
}
