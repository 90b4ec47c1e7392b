using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// The meaning of the commands of one milter connection: checks each against the state table
/// (<see cref="SessionStateTable"/>), parses it, keeps the macro scopes and the SMTP session's state, calls the
/// handler (<see cref="HandlerCall"/>) and sends its answer (<see cref="ReplyWriter"/>) unless the step was
/// negotiated as no-reply. Bytes and deadlines are the read loop's (MilterSession.cs, MilterSession.Loop.cs): one
/// object per connection for both.
/// </summary>
public sealed partial class MilterSession
{
    private readonly IMilterHandler _handler;
    private SessionState _state = SessionState.AwaitNegotiation;
    private bool _smtpSessionOpen;
    private volatile bool _stopRequested;

    /// <summary>The connection ends: the handler hears of the open message and session (even when torn down), then nothing is accepted.</summary>
    private async ValueTask CloseSmtpSessionAsync()
    {
        await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
        _state = SessionState.Closed;
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
        if (!SessionStateTable.TryNext(_state, code, Options, out SessionState next))
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
                _macros.Set(macro);
                return true;

            case MilterCommandCode.Connect:
                ConnectCommand connect = ConnectCommand.Parse(data);
                _macros.ClearFor(code);
                Connection = ConnectInfo.From(connect);
                _state = next;
                _smtpSessionOpen = true;
                await RespondAsync(code, MilterProtocolFlags.NoReplyConnect, _handler.ConnectAsync(this, connect, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Helo:
                HeloCommand helo = HeloCommand.Parse(data);
                await AbortIfInMessageAsync(code, cancellationToken).ConfigureAwait(false);
                _state = next;
                _macros.ClearFor(code);
                await RespondAsync(code, MilterProtocolFlags.NoReplyHelo, _handler.HeloAsync(this, helo, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Mail:
                EnvelopeCommand sender = EnvelopeCommand.Parse(data, "MAIL");
                await AbortIfInMessageAsync(code, cancellationToken).ConfigureAwait(false);
                _macros.ClearFor(code);
                MessageCount++;
                _state = next;
                await RespondAsync(code, MilterProtocolFlags.NoReplyMail, _handler.MailAsync(this, sender, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Rcpt:
                EnvelopeCommand recipient = EnvelopeCommand.Parse(data, "RCPT");
                EnterMessageStep(next);
                _macros.ClearFor(code);
                await RespondAsync(code, MilterProtocolFlags.NoReplyRcpt, _handler.RcptAsync(this, recipient, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Data:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyData, _handler.DataAsync(this, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Header:
                HeaderCommand header = HeaderCommand.Parse(data);
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyHeader, _handler.HeaderAsync(this, header, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfHeaders:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyEndOfHeaders, _handler.EndOfHeadersAsync(this, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Body:
                EnterMessageStep(next);
                await RespondAsync(code, MilterProtocolFlags.NoReplyBody, _handler.BodyAsync(this, data, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfMessage:
                await EndOfMessageAsync(data, next, cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Unknown:
                UnknownCommand unknown = UnknownCommand.Parse(data);
                await RespondAsync(code, MilterProtocolFlags.NoReplyUnknown, _handler.UnknownAsync(this, unknown, cancellationToken), cancellationToken).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Abort:
                // Postfix sends ABORT after a completed message too: outside a message it is a no-op.
                if (SessionStateTable.IsInMessage(_state))
                {
                    _state = next;
                    await HandlerCall.WaitAsync(code, _handler.AbortAsync(this, cancellationToken), _shared.Options.HandlerTimeout).ConfigureAwait(false);
                }

                return true;

            case MilterCommandCode.QuitNewConnection:
                await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
                _macros.ClearFor(code);
                Connection = null;
                _state = next;
                _smtpSessionOpen = _state == SessionState.Connected;
                return !_stopRequested;

            case MilterCommandCode.Quit:
                await EndSmtpSessionAsync(abortMessage: SessionStateTable.IsInMessage(_state)).ConfigureAwait(false);
                _macros.ClearFor(code);
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
        Options = options;
        _macros.ClearFor(MilterCommandCode.OptionNegotiation);
        if (_shared.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.Negotiated(_shared.Logger, ConnectionId, options.Version, (uint)options.Actions, (uint)options.Flags);
        }

        reply.Write(_output);
        await ReplyWriter.FlushAsync(_output, cancellationToken).ConfigureAwait(false);
        SessionStateTable.TryNext(_state, MilterCommandCode.OptionNegotiation, options, out _state); // where to go depends on what was negotiated
        _smtpSessionOpen = _state == SessionState.Connected;
    }

    private async ValueTask EndOfMessageAsync(ReadOnlyMemory<byte> data, SessionState next, CancellationToken cancellationToken)
    {
        if (!data.IsEmpty)
        {
            // libmilter hands data carried by BODYEOB to the body callback first.
            MilterResponse bodyResponse = await HandlerCall.WaitAsync(MilterCommandCode.Body, _handler.BodyAsync(this, data, cancellationToken), _shared.Options.HandlerTimeout).ConfigureAwait(false);
            if (bodyResponse.IsFinal)
            {
                _state = next;
                await ReplyWriter.WriteAsync(_output, bodyResponse, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        InEndOfMessage = true;
        MilterResponse response;
        try
        {
            response = await HandlerCall.WaitAsync(MilterCommandCode.EndOfMessage, _handler.EndOfMessageAsync(this, cancellationToken), _shared.Options.HandlerTimeout).ConfigureAwait(false);
        }
        finally
        {
            InEndOfMessage = false;
        }

        _state = next;
        if (response.Code == MilterResponseCode.Skip)
        {
            response = MilterResponse.Continue;
        }

        await ReplyWriter.WriteAsync(_output, response, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RespondAsync(MilterCommandCode code, MilterProtocolFlags noReplyFlag, ValueTask<MilterResponse> pending, CancellationToken cancellationToken)
    {
        MilterResponse response = await HandlerCall.WaitAsync(code, pending, _shared.Options.HandlerTimeout).ConfigureAwait(false);
        if (response.Code == MilterResponseCode.Skip && !Options.Has(MilterProtocolFlags.Skip))
        {
            Log.SkipNotNegotiated(_shared.Logger, ConnectionId);
            response = MilterResponse.Continue;
        }

        if (Options.Has(noReplyFlag))
        {
            // The MTA does not wait for this step: a verdict cannot reach it, so the message goes on.
            if (response.Code != MilterResponseCode.Continue)
            {
                Log.NoReplyDropped(_shared.Logger, ConnectionId, code, response);
            }

            return;
        }

        ApplyVerdict(code, response);

        await ReplyWriter.WriteAsync(_output, response, cancellationToken).ConfigureAwait(false);
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

    private void EnterMessageStep(SessionState step)
    {
        if (!SessionStateTable.IsInMessage(_state))
        {
            MessageCount++; // MAIL negotiated away: the message starts with this step
        }

        _state = step;
    }

    private async ValueTask AbortIfInMessageAsync(MilterCommandCode code, CancellationToken cancellationToken)
    {
        if (SessionStateTable.IsInMessage(_state))
        {
            Log.ImplicitAbort(_shared.Logger, ConnectionId, code);
            _state = SessionState.Connected;
            await HandlerCall.WaitAsync(code, _handler.AbortAsync(this, cancellationToken), _shared.Options.HandlerTimeout).ConfigureAwait(false);
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
                await HandlerCall.WaitAsync(MilterCommandCode.Abort, _handler.AbortAsync(this, CancellationToken.None), _shared.Options.HandlerTimeout).ConfigureAwait(false);
            }

            await HandlerCall.WaitAsync(MilterCommandCode.Quit, _handler.CloseAsync(this, CancellationToken.None), _shared.Options.HandlerTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HandlerTimeoutException or HandlerFailedException)
        {
            Log.HandlerFailed(_shared.Logger, ex, ConnectionId, MilterCommandCode.Quit);
        }
    }

    private void OutOfOrder(MilterCommandCode code) =>
        MilterProtocolException.Throw(ProtocolViolation.OutOfOrder, $"{code} ('{(char)code}') is not allowed in state {_state}");
}
