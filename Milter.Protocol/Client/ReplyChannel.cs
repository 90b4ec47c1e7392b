using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Client;

/// <summary>
/// The MTA side's pipe to one milter: flushes the commands written to <see cref="Output"/>, reads reply packets with
/// a time limit, and notices a packet or a close where no reply was due. Every failure, the peer's close included,
/// is a <see cref="MilterProtocolException"/> naming the step it concerned. One read at a time.
/// </summary>
internal sealed class ReplyChannel(IDuplexPipe transport) : IDisposable
{
    private string _lastUnanswered = "connect";

    // One timer for every reply read, reset after each (TryReset drops registrations, so the caller's token is
    // not linked to it: a registration cancels the pending read instead, as MilterSession does).
    private CancellationTokenSource _readTimeout = new();

    // Reply data lives here until the next read: only message changes need their own copy (Parse makes it).
    private byte[] _replyData = new byte[256];

    public PipeWriter Output => transport.Output;

    /// <summary>Flushes a command that is never answered; it becomes the step a stray packet is blamed on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushNoReplyAsync(string what, CancellationToken cancellationToken)
    {
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _lastUnanswered = what;
    }

    /// <summary>Data waiting before a command is sent answers something that must not be answered.</summary>
    public void CheckNoStrayResponse()
    {
        if (!transport.Input.TryRead(out ReadResult result))
        {
            return;
        }

        ReadOnlySequence<byte> buffer = result.Buffer;
        transport.Input.AdvanceTo(buffer.Start, buffer.Start);
        if (buffer.Length >= ProtocolLimits.HeaderBytes)
        {
            byte code = buffer.Slice(4, 1).FirstSpan[0];
            throw new MilterProtocolException(ProtocolViolation.UnexpectedResponse, $"milter sent '{(char)code}' where no reply was due (after {_lastUnanswered})");
        }

        if (result.IsCompleted && buffer.IsEmpty)
        {
            throw new MilterProtocolException(ProtocolViolation.EndOfStreamMidFrame, $"milter closed the connection (after {_lastUnanswered})");
        }
    }

    /// <summary>Flushes the command written for <paramref name="what"/> and reads its reply packet.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(byte Code, ReadOnlyMemory<byte> Data)> SendAndReadAsync(string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new MilterProtocolException($"milter closed the connection before {what} could be sent: {ex.Message}", ex);
        }

        return await ReadAsync(what, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one reply packet; its data stays valid until the next read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(byte Code, ReadOnlyMemory<byte> Data)> ReadAsync(string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PipeReader input = transport.Input;
        using CancellationTokenRegistration caller = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input)
            : default;
        try
        {
            _readTimeout.CancelAfter(timeout);
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(_readTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new MilterProtocolException(ProtocolViolation.Timeout, $"milter did not answer {what} within {timeout}");
                }
                catch (IOException ex)
                {
                    // A reset is the milter dropping the connection (e.g. over its connection limit): for the MTA
                    // that is the same protocol failure as a close.
                    throw new MilterProtocolException($"milter closed the connection instead of answering {what}: {ex.Message}", ex);
                }

                if (result.IsCanceled && cancellationToken.IsCancellationRequested)
                {
                    input.AdvanceTo(result.Buffer.Start);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                if (MilterFrameReader.TryReadFrame(ref buffer, ProtocolLimits.MaxDataSize1M * 1024, MilterFrameReader.IsResponseCode, out byte code, out ReadOnlySequence<byte> data))
                {
                    ReadOnlyMemory<byte> copy = ReadOnlyMemory<byte>.Empty;
                    if (!data.IsEmpty)
                    {
                        if (_replyData.Length < data.Length)
                        {
                            _replyData = new byte[Math.Max(data.Length, _replyData.Length * 2)];
                        }

                        data.CopyTo(_replyData);
                        copy = _replyData.AsMemory(0, (int)data.Length);
                    }

                    input.AdvanceTo(buffer.Start);
                    _lastUnanswered = what;
                    return (code, copy);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new MilterProtocolException(
                        buffer.IsEmpty ? ProtocolViolation.UnexpectedResponse : ProtocolViolation.EndOfStreamMidFrame,
                        $"milter closed the connection instead of answering {what}");
                }
            }
        }
        finally
        {
            if (!_readTimeout.TryReset())
            {
                // The timer fired: a cancelled source cannot be reused.
                _readTimeout.Dispose();
                _readTimeout = new CancellationTokenSource();
            }
        }
    }

    /// <summary>True when the milter closed the connection (reads end of stream within <paramref name="wait"/>).</summary>
    public async Task<bool> IsClosedByPeerAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                ReadResult result = await transport.Input.ReadAsync(cts.Token).ConfigureAwait(false);
                transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _readTimeout.Dispose();
}
