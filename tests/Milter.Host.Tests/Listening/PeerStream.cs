using System.Net.Sockets;
using System.Text;

namespace Milter.Host.Tests.Listening;

/// <summary>The client end of an admin or socketmap connection, as raw bytes: sends, and reads what comes until the server closes.</summary>
internal sealed class PeerStream(Socket socket) : IDisposable
{
    private readonly List<byte> _received = [];

    public Socket Socket => socket;

    public string Received => Encoding.UTF8.GetString([.. _received]);

    public static async Task<PeerStream> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        return new PeerStream(socket);
    }

    public static async Task<PeerStream> ConnectTcpAsync(System.Net.IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancellationToken);
        return new PeerStream(socket);
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None, cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken) =>
        await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    /// <summary>Reads until <paramref name="done"/> holds for what arrived so far, or the server closes; false when it closed first.</summary>
    public async Task<bool> ReadUntilAsync(Func<string, bool> done, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        while (!done(Received))
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }

            if (n == 0)
            {
                return done(Received);
            }

            _received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return true;
    }

    /// <summary>Reads until the server closes (end of stream or reset); false when <paramref name="within"/> passed first.</summary>
    public async Task<bool> ClosedByServerWithinAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        try
        {
            await ReadUntilAsync(_ => false, timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => socket.Dispose();
}
