using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Framing;
using Milter.Protocol.Listening;

namespace Milter.Protocol.Session;

/// <summary>
/// The milter side of one MTA connection over any duplex pipe. This type reads: it cuts the bytes into packets
/// under the idle and packet deadlines (kept by <see cref="ReadDeadlines"/>) and hands each command to the
/// dispatch (MilterSession.Dispatch.cs), which gives it meaning (state table, negotiation, macro scopes, handler calls,
/// replies). Connection state (negotiated options, client, macros) survives messages; message state is reset by
/// ABORT, MAIL, HELO and final verdicts. A protocol violation closes this connection with one log line and no
/// reply; nothing is ever silently dropped.
/// The read loop is not an async method: between commands a session is this object and its parked read, as
/// libmilter's is a struct in a poll set (MilterSession.Loop.cs), so an idle connection holds no suspended state
/// machine, no task and no cancellation registration.
/// </summary>
public sealed partial class MilterSession : MilterContext, IStopHooks, IListLinks<MilterSession>
{
    private const int NotWaiting = 0;
    private const int Waiting = 1;
    private const int Expired = 2;

    private readonly PipeReader _input;
    private readonly SessionShared _shared;
    private long _readDeadline; // Stopwatch ticks; watched by ReadDeadlines while _deadlineState is Waiting (the packet's while one is incomplete)
    private int _deadlineState;

    // ReadDeadlines' list of watched sessions runs through them (its IntrusiveList, under its lock).
    private MilterSession? _previousWatched;
    private MilterSession? _nextWatched;
    private bool _watched;

    public MilterSession(IDuplexPipe transport, IMilterHandler handler, MilterSessionOptions? options = null, ILogger? logger = null, string? connectionId = null)
        : this(transport, handler, new SessionShared(options ?? new MilterSessionOptions(), logger ?? NullLogger.Instance, connectionId ?? Guid.NewGuid().ToString("N")[..8]))
    {
    }

    /// <summary>A session of a server (options and logger in <paramref name="shared"/>), named by its number on its listener (<see cref="MilterContext.ConnectionId"/> in hex).</summary>
    internal MilterSession(IDuplexPipe transport, IMilterHandler handler, SessionShared shared)
        : base(transport.Output)
    {
        _input = transport.Input;
        _shared = shared;
        _handler = handler;
    }

    private protected override string? ConnectionName => _shared.ConnectionName;

    private protected override long ConnectionNumber => _owner?.ConnectionNumber ?? 0;

    MilterSession? IListLinks<MilterSession>.Previous { get => _previousWatched; set => _previousWatched = value; }

    MilterSession? IListLinks<MilterSession>.Next { get => _nextWatched; set => _nextWatched = value; }

    bool IListLinks<MilterSession>.Linked { get => _watched; set => _watched = value; }

    /// <summary>What the handlers see of this connection: the session itself.</summary>
    public MilterContext Context => this;

    /// <summary>Where the session is (for tests that walk the state table over the wire).</summary>
    internal SessionState State => _state;

    /// <summary>True while no SMTP session is open on this connection (before CONNECT or after QUIT_NC).</summary>
    public bool IsIdle => _state is SessionState.AwaitNegotiation or SessionState.AwaitConnect;

    /// <summary>
    /// Asks the session to end gracefully: at the next QUIT or QUIT_NC, or at once when no SMTP session is open
    /// (breaking the link mid-session would make the MTA tempfail the rest of it).
    /// </summary>
    public void RequestStop()
    {
        _stopRequested = true; // the next QUIT_NC ends the connection
        if (IsIdle)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Runs until QUIT, end of stream, a violation, a graceful stop, or <paramref name="cancellationToken"/>.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var run = new Run(this, cancellationToken);
        Start(run);
        return run.Ended.Task;
    }

    void IStopHooks.CloseRequested() => RequestStop();

    void IStopHooks.Abort() => Abort();

    /// <summary>The owner of a session run by <see cref="RunAsync"/>: its task, and the token's watch (ended with the session).</summary>
    private sealed class Run : ISessionOwner
    {
        private readonly CancellationTokenRegistration _watch;

        public Run(MilterSession session, CancellationToken cancellationToken)
        {
            Token = cancellationToken;
            // Before the session starts: a token cancelled at once ends it at its first read.
            _watch = cancellationToken.UnsafeRegister(static state => ((MilterSession)state!).Abort(), session);
        }

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token { get; }

        public long ConnectionNumber => 0;

        public void SessionEnded(Exception? error)
        {
            _watch.Dispose();
            if (error is null)
            {
                Ended.TrySetResult();
            }
            else
            {
                Ended.TrySetException(error);
            }
        }
    }

    /// <summary>For <see cref="ReadDeadlines"/>: true (once) when this session waits for bytes past its deadline.</summary>
    internal bool TryExpire(long now) =>
        Volatile.Read(ref _deadlineState) == Waiting && now >= Volatile.Read(ref _readDeadline)
        && Interlocked.CompareExchange(ref _deadlineState, Expired, Waiting) == Waiting;

    internal void CancelExpiredRead() => _input.CancelPendingRead();

    private static long ToTicks(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue / 2 : (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// The packets of one read, each handed to the dispatcher; false when the session ends here (QUIT, a graceful
    /// stop at QUIT_NC, or the end of the stream). Completes synchronously unless a handler answers later.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessAsync(ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        SequencePosition consumed = buffer.Start;
        bool framed = false;
        try
        {
            ReadOnlySequence<byte> remaining = buffer;
            while (MilterFrameReader.TryReadFrame(ref remaining, Options.MaxDataSize, MilterFrameReader.IsCommandCode, out byte code, out ReadOnlySequence<byte> data))
            {
                consumed = remaining.Start;
                framed = true;
                byte[]? copy = null; // a packet split over segments (test pipes; the socket reader's bytes are one span)
                try
                {
                    ReadOnlyMemory<byte> payload = data.IsSingleSegment ? data.First : Linearize(data, out copy);
                    if (!await DispatchAsync((MilterCommandCode)code, payload, _owner!.Token).ConfigureAwait(false))
                    {
                        _endedBy = _state == SessionState.Closed ? EndedBy.Quit : EndedBy.QuitNewConnection;
                        return false;
                    }
                }
                finally
                {
                    if (copy is not null)
                    {
                        ArrayPool<byte>.Shared.Return(copy);
                    }
                }
            }

            if (!remaining.IsEmpty && (!_partial || framed))
            {
                _readDeadline = Stopwatch.GetTimestamp() + ToTicks(_shared.Options.FrameTimeout); // a new packet began in this read
            }

            _partial = !remaining.IsEmpty;
        }
        finally
        {
            _input.AdvanceTo(consumed, buffer.End);
        }

        if (result.IsCompleted)
        {
            if (_partial)
            {
                throw new MilterProtocolException(ProtocolViolation.EndOfStreamMidFrame, "the MTA closed the connection in the middle of a packet");
            }

            return false;
        }

        return true;
    }

    private static ReadOnlyMemory<byte> Linearize(in ReadOnlySequence<byte> data, out byte[] copy)
    {
        int length = (int)data.Length;
        copy = ArrayPool<byte>.Shared.Rent(length);
        data.CopyTo(copy);
        return copy.AsMemory(0, length);
    }
}
