using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;

namespace Milter.Host.Listening;

/// <summary>
/// The read-all loop of the admin socket and the socketmap (Pipelines' "read all messages" loop, as SE.Redis): cut
/// every complete request from what arrived, answer each in order, flush once, then read again. Deadlines that a peer
/// cannot stretch: a silent connection is closed after the idle timeout, and a request must be complete within the
/// request timeout of its first byte (a byte at a time does not keep it open); a peer that does not read its answers
/// is closed by the transport's write timeout.
/// </summary>
internal static class RequestLoop
{
    /// <summary>Serves <paramref name="pipe"/> until the peer closes, a deadline, bad bytes or a stop; returns why it ended.</summary>
    public static async Task<string> RunAsync(IDuplexPipe pipe, IRequestProtocol protocol, LocalListenerLimits limits, CancellationToken cancellationToken)
    {
        PipeReader input = pipe.Input;
        PipeWriter output = pipe.Output;
        var deadline = new CancellationTokenSource();
        using CancellationTokenRegistration abort = cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input);
        bool partial = false;
        long started = 0;
        try
        {
            while (true)
            {
                ReadResult read;
                try
                {
                    deadline.CancelAfter(partial ? Remaining(started, limits.RequestTimeout) : limits.IdleTimeout);
                    read = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return partial ? $"request not complete {limits.RequestTimeoutSeconds} s after its first byte" : $"idle for {limits.IdleTimeoutSeconds} s";
                }

                if (!deadline.TryReset())
                {
                    deadline.Dispose();
                    deadline = new CancellationTokenSource();
                }

                if (read.IsCanceled)
                {
                    return "closed by the server";
                }

                ReadOnlySequence<byte> buffer = read.Buffer;
                OperationStatus status;
                bool answered = false;
                try
                {
                    while ((status = protocol.TryRead(ref buffer, out string request)) == OperationStatus.Done)
                    {
                        await protocol.AnswerAsync(request, output, cancellationToken).ConfigureAwait(false);
                        answered = true;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (status == OperationStatus.InvalidData)
                {
                    protocol.WriteInvalid(output);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return "malformed request, answered and closed";
                }

                if (answered)
                {
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (!buffer.IsEmpty && (!partial || answered))
                {
                    started = Stopwatch.GetTimestamp(); // a new request began in this read
                }

                partial = !buffer.IsEmpty;
                if (read.IsCompleted)
                {
                    return partial ? "closed by the peer in the middle of a request" : "closed by the peer";
                }
            }
        }
        catch (TimeoutException ex)
        {
            return "answer not taken: " + ex.Message;
        }
        catch (IOException ex)
        {
            return "connection lost: " + ex.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return "closed by the server";
        }
        finally
        {
            deadline.Dispose();
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static TimeSpan Remaining(long started, TimeSpan timeout)
    {
        TimeSpan left = timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
