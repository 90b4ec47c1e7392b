using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Session;

/// <summary>
/// The read loop as a resumable step function instead of an async method. <see cref="Pump"/> reads and processes
/// until a read or a handler must wait; it then leaves the wait's completion to call it again (one cached delegate)
/// and returns. So while the MTA is silent the session is held only by its parked read: no suspended state machine
/// (336 bytes), no task and no cancellation registration per connection. Exactly one wait is outstanding at a time,
/// so the loop never runs on two threads at once.
/// </summary>
public sealed partial class MilterSession
{
    private ISessionOwner? _owner;
    private Action? _resume;
    private Task<ReadResult>? _pendingReadTask; // a pending read of a reader that is not resumable (not Linux, test pipes)
    private ValueTask<bool> _pendingStep;
    private bool _waitingForStep;
    private bool _partial; // a packet is incomplete in the buffer
    private volatile bool _aborted;
    private EndedBy _endedBy; // why the session ends when no exception says it (a byte, not a string per connection)

    /// <summary>
    /// Starts the session; <paramref name="owner"/> hears once when it has ended and both pipes are completed (with the
    /// exception of a failure that is not the session's to report, else null). The owner's token goes to the handlers;
    /// the owner calls <see cref="Abort"/> to end the session at once.
    /// </summary>
    internal void Start(ISessionOwner owner)
    {
        _owner = owner;

        // Read deadlines are kept by the process's one timer (ReadDeadlines), which cancels the pending read too.
        ReadDeadlines.Shared.Add(this, _shared.Options.IdleTimeout < _shared.Options.FrameTimeout ? _shared.Options.IdleTimeout : _shared.Options.FrameTimeout);
        Pump(resumed: false);
    }

    /// <summary>Ends the session now (the server's stop deadline passed): the pending read returns and the session closes.</summary>
    internal void Abort()
    {
        _aborted = true;
        _input.CancelPendingRead();
    }

    private void Pump(bool resumed)
    {
        try
        {
            if (resumed && !(_waitingForStep ? AfterStep(TakeStep()) : AfterRead(TakeRead())))
            {
                return;
            }

            while (true)
            {
                // A packet has FrameTimeout from its first byte, however steadily the rest trickles in: while one is
                // incomplete, the deadline stays the one set when its first byte came (ProcessBuffer).
                if (!_partial)
                {
                    _readDeadline = Stopwatch.GetTimestamp() + ToTicks(_shared.Options.IdleTimeout);
                }

                Volatile.Write(ref _deadlineState, Waiting);
                ValueTask<ReadResult> read = _input.ReadAsync(CancellationToken.None);
                if (!read.IsCompleted)
                {
                    _waitingForStep = false;
                    if (_input is not IResumableReader reader || !reader.TryOnPendingReadCompleted(ResumeAfterRead, this))
                    {
                        // Kept as a task (not the 48-byte ValueTask) by the readers that cannot call back.
                        Task<ReadResult> pending = read.AsTask();
                        _pendingReadTask = pending;
                        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_resume ??= Resume);
                    }

                    return;
                }

                if (!AfterRead(read.GetAwaiter().GetResult()))
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            _ = EndAsync(ex);
        }
    }

    private static readonly Action<object?> ResumeAfterRead = static session => ((MilterSession)session!).Resume();

    private void Resume() => Pump(resumed: true);

    private ReadResult TakeRead()
    {
        Task<ReadResult>? pending = _pendingReadTask;
        if (pending is null)
        {
            return ((IResumableReader)_input).TakePendingReadResult();
        }

        _pendingReadTask = null;
        return pending.GetAwaiter().GetResult();
    }

    private bool TakeStep()
    {
        ValueTask<bool> step = _pendingStep;
        _pendingStep = default;
        return step.GetAwaiter().GetResult();
    }

    /// <summary>False when the loop leaves: the session ended or a handler's answer is awaited.</summary>
    private bool AfterRead(ReadResult result)
    {
        if (Interlocked.Exchange(ref _deadlineState, NotWaiting) == Expired && !_aborted)
        {
            throw new MilterProtocolException(
                ProtocolViolation.Timeout,
                _partial ? $"stalled mid-packet: a packet was not complete {_shared.Options.FrameTimeout} after its first byte" : $"no packet for {_shared.Options.IdleTimeout}");
        }

        if (result.IsCanceled)
        {
            _endedBy = _aborted ? EndedBy.Server : EndedBy.GracefulStop;
            _ = EndAsync(null);
            return false;
        }

        ValueTask<bool> step = ProcessAsync(result);
        if (!step.IsCompleted)
        {
            _pendingStep = step;
            _waitingForStep = true;
            step.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_resume ??= Resume);
            return false;
        }

        return AfterStep(step.GetAwaiter().GetResult());
    }

    private bool AfterStep(bool goOn)
    {
        if (!goOn)
        {
            _ = EndAsync(null);
        }

        return goOn;
    }

    /// <summary>Says why the session ended, lets the handler hear of it, completes both pipes and tells the owner.</summary>
    private async Task EndAsync(Exception? failure)
    {
        string reason = _endedBy switch
        {
            EndedBy.Quit => "QUIT",
            EndedBy.QuitNewConnection => "graceful stop at QUIT_NC",
            EndedBy.Server => "closed by the server",
            EndedBy.GracefulStop => "graceful stop",
            _ => "end of stream",
        };
        switch (failure)
        {
            case null:
                break;
            case MilterProtocolException ex:
                reason = ex.Message;
                Log.ProtocolViolation(_shared.Logger, ConnectionId, ex.Violation, ex.Message);
                failure = null;
                break;
            case HandlerTimeoutException ex:
                reason = "handler timeout";
                Log.HandlerTimeout(_shared.Logger, ConnectionId, ex.Command, _shared.Options.HandlerTimeout);
                failure = null;
                break;
            case OperationCanceledException when _owner!.Token.IsCancellationRequested || _aborted:
                reason = "closed by the server";
                failure = null;
                break;
            case HandlerFailedException ex:
                reason = "handler failure";
                Log.HandlerFailed(_shared.Logger, ex.InnerException!, ConnectionId, ex.Command);
                failure = null;
                break;
            case IOException ex:
                reason = "connection lost: " + ex.Message;
                Log.ConnectionLost(_shared.Logger, ConnectionId, ex.Message);
                failure = null;
                break;
        }

        try
        {
            await CloseSmtpSessionAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure ??= ex;
        }
        finally
        {
            if (_shared.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.SessionEnded(_shared.Logger, ConnectionId, reason);
            }

            ReadDeadlines.Shared.Remove(this);
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
            _owner!.SessionEnded(failure);
        }
    }

    private enum EndedBy : byte
    {
        EndOfStream,
        Quit,
        QuitNewConnection,
        Server,
        GracefulStop,
    }
}
