using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// Waits for a handler's answer to one command for at most the handler timeout. An answer already there costs
/// nothing; a late one is a <see cref="HandlerTimeoutException"/>, a throwing handler a <see cref="HandlerFailedException"/>.
/// </summary>
internal static class HandlerCall
{
    public static async ValueTask<MilterResponse> WaitAsync(MilterCommandCode code, ValueTask<MilterResponse> pending, TimeSpan timeout)
    {
        try
        {
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result;
            }

            return await pending.AsTask().WaitAsync(timeout).ConfigureAwait(false);
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

    public static async ValueTask WaitAsync(MilterCommandCode code, ValueTask pending, TimeSpan timeout)
    {
        try
        {
            if (!pending.IsCompletedSuccessfully)
            {
                await pending.AsTask().WaitAsync(timeout).ConfigureAwait(false);
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
}
