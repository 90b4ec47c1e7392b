using System.IO.Pipelines;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// Sends the session's replies: a reply the MTA does not take within the transport's write timeout is a protocol
/// timeout, a reset is a <see cref="ConnectionLostException"/>, and a writer completed by the other side ends the
/// session as cancelled.
/// </summary>
internal static class ReplyWriter
{
    public static async ValueTask WriteAsync(PipeWriter output, MilterResponse response, CancellationToken cancellationToken)
    {
        response.Write(output);
        await FlushAsync(output, cancellationToken).ConfigureAwait(false);
    }

    public static async ValueTask FlushAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        FlushResult flushed;
        try
        {
            flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
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
}
