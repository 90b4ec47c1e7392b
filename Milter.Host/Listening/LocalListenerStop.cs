using Milter.Protocol.Listening;

namespace Milter.Host.Listening;

/// <summary>
/// How the admin socket and the socketmap stop their <see cref="SocketListener"/>: stop accepting, give open requests
/// <see cref="DrainTime"/> to finish (or less, if the host's own stop deadline comes first), then close the rest.
/// </summary>
internal static class LocalListenerStop
{
    public static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(5);

    public static async Task StopAsync(SocketListener? listener, CancellationToken cancellationToken)
    {
        if (listener is not null)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(DrainTime);
            await listener.StopAsync(deadline.Token).ConfigureAwait(false);
        }
    }

    public static ValueTask DisposeAsync(SocketListener? listener) => listener?.DisposeAsync() ?? ValueTask.CompletedTask;
}
