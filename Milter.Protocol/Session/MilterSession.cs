using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// The milter side of one MTA connection over any duplex pipe: frames, negotiation, the state machine, macro
/// scopes, handler calls, responses. Connection state (negotiated options, client, macros) survives messages;
/// message state is reset by ABORT, MAIL, HELO and final verdicts. A protocol violation closes this connection
/// with one log line; nothing is ever silently dropped.
/// </summary>
public sealed class MilterSession
{
    private const int NotWaiting = 0;
    private const int Waiting = 1;
    private const int Expired = 2;

    private readonly IDuplexPipe _transport;
    private readonly IMilterHandler _handler;
    private readonly MilterSessionOptions _options;
    private readonly ILogger _logger;
    private readonly MilterContext _context;
    private SessionState _state = SessionState.AwaitNegotiation;
    private bool _smtpSessionOpen;
    private byte[] _scratch = [];
    private volatile bool _stopRequested;
    private long _readDeadline; // Stopwatch ticks; watched by ReadDeadlines while _deadlineState is Waiting
    private int _deadlineState;

    public MilterSession(IDuplexPipe transport, IMilterHandler handler, MilterSessionOptions? options = null, ILogger? logger = null, string? connectionId = null)
    {
        _transport = transport;
        _handler = handler;
        _options = options ?? new MilterSessionOptions();
        _logger = logger ?? NullLogger.Instance;
        _context = new MilterContext(connectionId ?? Guid.NewGuid().ToString("N")[..8], transport.Output);
    }

    public MilterContext Context => _context;

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
        _stopRequested = true;
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
                        if (!await DispatchAsync((MilterCommandCode)code, Linearize(data), cancellationToken).ConfigureAwait(false))
                        {
                            reason = _state == SessionState.Closed ? "QUIT" : "graceful stop at QUIT_NC";
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
            await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
            _state = SessionState.Closed;
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

    /// <summary>Handles one command; false ends the connection. A handler that throws synchronously is a handler failure too.</summary>
    private async ValueTask<bool> DispatchAsync(MilterCommandCode code, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            return await DispatchCoreAsync(code, data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (MilterProtocolException or OperationCanceledException or HandlerTimeoutException or HandlerFailedException or ConnectionLostException))
        {
            throw new HandlerFailedException(code, ex);
        }
    }

    private async ValueTask<bool> DispatchCoreAsync(MilterCommandCode code, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!SessionStateTable.TryNext(_state, code, _context.Options, out SessionState next))
        {
            if (!MilterFrameReader.IsCommandCode((byte)code))
            {
                MilterProtocolException.Throw(ProtocolViolation.UnknownCode, $"unknown command {code}");
            }

            OutOfOrder(code);
        }

        switch (code)
        {
            case MilterCommandCode.OptionNegotiation:
                await NegotiateAsync(OptionNegotiationCommand.Parse(data), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Macro:
                MacroCommand macro = MacroCommand.Parse(data);
                _context.Macros.Set(macro);
                return true;

            case MilterCommandCode.Connect:
                ConnectCommand connect = ConnectCommand.Parse(data);
                _context.Macros.ClearFor(code);
                _context.Connection = ConnectInfo.From(connect);
                _state = next;
                _smtpSessionOpen = true;
                await RespondAsync(code, MilterProtocolFlags.NoReplyConnect, _handler.ConnectAsync(_context, connect, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Helo:
                HeloCommand helo = HeloCommand.Parse(data);
                await AbortIfInMessageAsync(code, cancellationToken).ConfigureAwait(false);
                _state = next;
                _context.Macros.ClearFor(code);
                await RespondAsync(code, MilterProtocolFlags.NoReplyHelo, _handler.HeloAsync(_context, helo, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Mail:
                EnvelopeCommand sender = EnvelopeCommand.Parse(data, "MAIL");
                await AbortIfInMessageAsync(code, cancellationToken).ConfigureAwait(false);
                _context.Macros.ClearFor(code);
                _context.MessageCount++;
                _state = next;
                await RespondAsync(code, MilterProtocolFlags.NoReplyMail, _handler.MailAsync(_context, sender, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Rcpt:
                EnvelopeCommand recipient = EnvelopeCommand.Parse(data, "RCPT");
                EnterMessageStep(next);
                _context.Macros.ClearFor(code);
                await RespondAsync(code, MilterProtocolFlags.NoReplyRcpt, _handler.RcptAsync(_context, recipient, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Data:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyData, _handler.DataAsync(_context, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Header:
                HeaderCommand header = HeaderCommand.Parse(data);
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyHeader, _handler.HeaderAsync(_context, header, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfHeaders:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyEndOfHeaders, _handler.EndOfHeadersAsync(_context, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Body:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyBody, _handler.BodyAsync(_context, data, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfMessage:
                await EndOfMessageAsync(data, next, cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Unknown:
                UnknownCommand unknown = UnknownCommand.Parse(data);
                await RespondAsync(code, MilterProtocolFlags.NoReplyUnknown, _handler.UnknownAsync(_context, unknown, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Abort:
                // Postfix sends ABORT after a completed message too: outside a message it is a no-op.
                if (SessionStateTable.IsInMessage(_state))
                {
                    _state = next;
                    await CallAsync(code, _handler.AbortAsync(_context, cancellationToken)).ConfigureAwait(false);
                }

                return true;

            case MilterCommandCode.QuitNewConnection:
                await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
                _context.Macros.ClearFor(code);
                _context.Connection = null;
                _state = next;
                _smtpSessionOpen = _state == SessionState.Connected;
                return !_stopRequested;

            case MilterCommandCode.Quit:
                await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
                _context.Macros.ClearFor(code);
                _state = next;
                return false;

            default:
                MilterProtocolException.Throw(ProtocolViolation.UnknownCode, $"unknown command {code}");
                return false;
        }
    }

    private async ValueTask NegotiateAsync(OptionNegotiationCommand offer, CancellationToken cancellationToken)
    {
        (OptionNegotiationReply reply, NegotiatedOptions options) = OptionNegotiator.Negotiate(offer, _handler.Negotiation);
        _context.Options = options;
        _context.Macros.ClearFor(MilterCommandCode.OptionNegotiation);
        Log.Negotiated(_logger, _context.ConnectionId, options.Version, (uint)options.Actions, (uint)options.Flags);
        reply.Write(_transport.Output);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        SessionStateTable.TryNext(_state, MilterCommandCode.OptionNegotiation, options, out _state); // where to go depends on what was negotiated
        _smtpSessionOpen = _state == SessionState.Connected;
    }

    private async ValueTask EndOfMessageAsync(ReadOnlyMemory<byte> data, SessionState next, CancellationToken cancellationToken)
    {
        if (!data.IsEmpty)
        {
            // libmilter hands data carried by BODYEOB to the body callback first.
            MilterResponse bodyResponse = await CallAsync(MilterCommandCode.Body, _handler.BodyAsync(_context, data, cancellationToken)).ConfigureAwait(false);
            if (bodyResponse.IsFinal)
            {
                _state = next;
                await WriteResponseAsync(bodyResponse, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        _context.InEndOfMessage = true;
        MilterResponse response;
        try
        {
            response = await CallAsync(MilterCommandCode.EndOfMessage, _handler.EndOfMessageAsync(_context, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _context.InEndOfMessage = false;
        }

        _state = next;
        if (response.Code == MilterResponseCode.Skip)
        {
            response = MilterResponse.Continue;
        }

        await WriteResponseAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RespondAsync(MilterCommandCode code, MilterProtocolFlags noReplyFlag, ValueTask<MilterResponse> pending, CancellationToken cancellationToken)
    {
        MilterResponse response = await CallAsync(code, pending).ConfigureAwait(false);
        if (response.Code == MilterResponseCode.Skip && !_context.Options.Has(MilterProtocolFlags.Skip))
        {
            Log.SkipNotNegotiated(_logger, _context.ConnectionId);
            response = MilterResponse.Continue;
        }

        if (_context.Options.Has(noReplyFlag))
        {
            // The MTA does not wait for this step: a verdict cannot reach it, so the message goes on.
            if (response.Code != MilterResponseCode.Continue)
            {
                Log.NoReplyDropped(_logger, _context.ConnectionId, code, response);
            }

            return;
        }

        ApplyVerdict(code, response);

        await WriteResponseAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A final verdict at a message step ends the message; at RCPT a rejection concerns that recipient only.</summary>
    private void ApplyVerdict(MilterCommandCode code, MilterResponse response)
    {
        if (!response.IsFinal || !SessionStateTable.IsInMessage(_state))
        {
            return;
        }

        if (code == MilterCommandCode.Rcpt && response.IsRejection)
        {
            return;
        }

        _state = SessionState.Connected;
    }

    private async ValueTask WriteResponseAsync(MilterResponse response, CancellationToken cancellationToken)
    {
        response.Write(_transport.Output);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        FlushResult flushed;
        try
        {
            flushed = await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new MilterProtocolException(ProtocolViolation.Timeout, "a reply was not taken: " + ex.Message);
        }
        catch (IOException ex)
        {
            throw new ConnectionLostException(ex);
        }

        if (flushed.IsCompleted)
        {
            throw new OperationCanceledException("the MTA stopped reading", cancellationToken);
        }
    }

    private async ValueTask<MilterResponse> CallAsync(MilterCommandCode code, ValueTask<MilterResponse> pending)
    {
        try
        {
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result;
            }

            return await pending.AsTask().WaitAsync(_options.HandlerTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new HandlerTimeoutException(code);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or MilterProtocolException))
        {
            throw new HandlerFailedException(code, ex);
        }
    }

    private async ValueTask CallAsync(MilterCommandCode code, ValueTask pending)
    {
        try
        {
            if (!pending.IsCompletedSuccessfully)
            {
                await pending.AsTask().WaitAsync(_options.HandlerTimeout).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            throw new HandlerTimeoutException(code);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or MilterProtocolException))
        {
            throw new HandlerFailedException(code, ex);
        }
    }

    private void EnterMessageStep(SessionState step)
    {
        if (!SessionStateTable.IsInMessage(_state))
        {
            _context.MessageCount++; // MAIL negotiated away: the message starts with this step
        }

        _state = step;
    }

    private async ValueTask AbortIfInMessageAsync(MilterCommandCode code, CancellationToken cancellationToken)
    {
        if (SessionStateTable.IsInMessage(_state))
        {
            Log.ImplicitAbort(_logger, _context.ConnectionId, code);
            _state = SessionState.Connected;
            await CallAsync(code, _handler.AbortAsync(_context, cancellationToken)).ConfigureAwait(false);
        }
    }

    private async ValueTask EndSmtpSessionAsync(bool abortMessage)
    {
        if (!_smtpSessionOpen)
        {
            return;
        }

        _smtpSessionOpen = false;
        try
        {
            // Callbacks at the end of a session run even when the connection is being torn down.
            if (abortMessage)
            {
                await CallAsync(MilterCommandCode.Abort, _handler.AbortAsync(_context, CancellationToken.None)).ConfigureAwait(false);
            }

            await CallAsync(MilterCommandCode.Quit, _handler.CloseAsync(_context, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HandlerTimeoutException or HandlerFailedException)
        {
            Log.HandlerFailed(_logger, ex, _context.ConnectionId, MilterCommandCode.Quit);
        }
    }

    private void OutOfOrder(MilterCommandCode code) =>
        MilterProtocolException.Throw(ProtocolViolation.OutOfOrder, $"{code} ('{(char)code}') is not allowed in state {_state}");

    private sealed class HandlerTimeoutException(MilterCommandCode command) : Exception($"handler timeout at {command}")
    {
        public MilterCommandCode Command { get; } = command;
    }

    /// <summary>The transport failed under a reply (a reset): not the handler's fault.</summary>
    private sealed class ConnectionLostException(IOException inner) : IOException(inner.Message, inner);

    private sealed class HandlerFailedException(MilterCommandCode command, Exception inner) : Exception($"handler failed at {command}", inner)
    {
        public MilterCommandCode Command { get; } = command;
    }
}
