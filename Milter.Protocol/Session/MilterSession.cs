using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Session;

/// <summary>
/// The milter side of one MTA connection over any duplex pipe. This type reads: it cuts the bytes into packets
/// under the idle and packet deadlines (kept by <see cref="ReadDeadlines"/>) and hands each command to the
/// <see cref="CommandDispatcher"/>, which gives it meaning (state table, negotiation, macro scopes, handler calls,
/// replies). Connection state (negotiated options, client, macros) survives messages; message state is reset by
/// ABORT, MAIL, HELO and final verdicts. A protocol violation closes this connection with one log line and no
/// reply; nothing is ever silently dropped.
/// </summary>
public sealed class MilterSession
{
    private const int NotWaiting = 0;
    private const int Waiting = 1;
    private const int Expired = 2;

    private readonly IDuplexPipe _transport;
    private readonly MilterSessionOptions _options;
    private readonly ILogger _logger;
    private readonly MilterContext _context;
    private readonly CommandDispatcher _dispatcher;
    private byte[] _scratch = [];
    private long _readDeadline; // Stopwatch ticks; watched by ReadDeadlines while _deadlineState is Waiting
    private int _deadlineState;

    public MilterSession(IDuplexPipe transport, IMilterHandler handler, MilterSessionOptions? options = null, ILogger? logger = null, string? connectionId = null)
    {
        _transport = transport;
        _options = options ?? new MilterSessionOptions();
        _logger = logger ?? NullLogger.Instance;
        _context = new MilterContext(connectionId ?? Guid.NewGuid().ToString("N")[..8], transport.Output);
        _dispatcher = new CommandDispatcher(handler, _context, transport.Output, _options, _logger);
    }

    public MilterContext Context => _context;

    /// <summary>Where the session is (for tests that walk the state table over the wire).</summary>
    internal SessionState State => _dispatcher.State;

    /// <summary>True while no SMTP session is open on this connection (before CONNECT or after QUIT_NC).</summary>
    public bool IsIdle => _dispatcher.IsIdle;

    /// <summary>
    /// Asks the session to end gracefully: at the next QUIT or QUIT_NC, or at once when no SMTP session is open
    /// (breaking the link mid-session would make the MTA tempfail the rest of it).
    /// </summary>
    public void RequestStop()
    {
        _dispatcher.RequestStop();
        if (IsIdle)
        {
            _transport.Input.CancelPendingRead();
        }
    }

    /// <summary>Runs until QUIT, end of stream, a violation, a graceful stop, or <paramref name="cancellationToken"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        PipeReader input = _transport.Input;
        // Read deadlines are kept by the process's one timer (ReadDeadlines), which cancels the pending read.
        using CancellationTokenRegistration abort = cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input);
        ReadDeadlines.Shared.Add(this, _options.IdleTimeout < _options.FrameTimeout ? _options.IdleTimeout : _options.FrameTimeout);
        string reason = "end of stream";
        bool partial = false;
        long frameStarted = 0; // when the first byte of the packet in progress arrived (Stopwatch ticks)
        try
        {
            while (true)
            {
                // A packet has FrameTimeout from its first byte, however steadily the rest trickles in.
                _readDeadline = partial ? frameStarted + ToTicks(_options.FrameTimeout) : Stopwatch.GetTimestamp() + ToTicks(_options.IdleTimeout);
                Volatile.Write(ref _deadlineState, Waiting);
                ReadResult result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _deadlineState, NotWaiting) == Expired && !cancellationToken.IsCancellationRequested)
                {
                    throw new MilterProtocolException(
                        ProtocolViolation.Timeout,
                        partial ? $"stalled mid-packet: a packet was not complete {_options.FrameTimeout} after its first byte" : $"no packet for {_options.IdleTimeout}");
                }

                if (result.IsCanceled)
                {
                    reason = cancellationToken.IsCancellationRequested ? "closed by the server" : "graceful stop";
                    return;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = buffer.Start;
                bool framed = false;
                try
                {
                    ReadOnlySequence<byte> remaining = buffer;
                    while (MilterFrameReader.TryReadFrame(ref remaining, _context.Options.MaxDataSize, MilterFrameReader.IsCommandCode, out byte code, out ReadOnlySequence<byte> data))
                    {
                        consumed = remaining.Start;
                        framed = true;
                        if (!await _dispatcher.DispatchAsync((MilterCommandCode)code, Linearize(data), cancellationToken).ConfigureAwait(false))
                        {
                            reason = _dispatcher.State == SessionState.Closed ? "QUIT" : "graceful stop at QUIT_NC";
                            return;
                        }
                    }

                    if (!remaining.IsEmpty && (!partial || framed))
                    {
                        frameStarted = Stopwatch.GetTimestamp(); // a new packet began in this read
                    }

                    partial = !remaining.IsEmpty;
                }
                finally
                {
                    input.AdvanceTo(consumed, buffer.End);
                }

                if (result.IsCompleted)
                {
                    if (partial)
                    {
                        throw new MilterProtocolException(ProtocolViolation.EndOfStreamMidFrame, "the MTA closed the connection in the middle of a packet");
                    }

                    return;
                }
            }
        }
        catch (MilterProtocolException ex)
        {
            reason = ex.Message;
            Log.ProtocolViolation(_logger, _context.ConnectionId, ex.Violation, ex.Message);
        }
        catch (HandlerTimeoutException ex)
        {
            reason = "handler timeout";
            Log.HandlerTimeout(_logger, _context.ConnectionId, ex.Command, _options.HandlerTimeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = "closed by the server";
        }
        catch (HandlerFailedException ex)
        {
            reason = "handler failure";
            Log.HandlerFailed(_logger, ex.InnerException!, _context.ConnectionId, ex.Command);
        }
        catch (IOException ex)
        {
            reason = "connection lost: " + ex.Message;
            Log.ConnectionLost(_logger, _context.ConnectionId, ex.Message);
        }
        finally
        {
            await _dispatcher.CloseAsync().ConfigureAwait(false);
            Log.SessionEnded(_logger, _context.ConnectionId, reason);
            ReadDeadlines.Shared.Remove(this);
            await input.CompleteAsync().ConfigureAwait(false);
            await _transport.Output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>For <see cref="ReadDeadlines"/>: true (once) when this session waits for bytes past its deadline.</summary>
    internal bool TryExpire(long now) =>
        Volatile.Read(ref _deadlineState) == Waiting && now >= Volatile.Read(ref _readDeadline)
        && Interlocked.CompareExchange(ref _deadlineState, Expired, Waiting) == Waiting;

    internal void CancelExpiredRead() => _transport.Input.CancelPendingRead();

    private static long ToTicks(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue / 2 : (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    private ReadOnlyMemory<byte> Linearize(in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return data.First;
        }

        int length = (int)data.Length;
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, Math.Min(_context.Options.MaxDataSize + 1, Math.Max(4096, _scratch.Length * 2)))];
        }

        data.CopyTo(_scratch);
        return _scratch.AsMemory(0, length);
    }
}
