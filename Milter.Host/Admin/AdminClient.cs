using System.Net.Sockets;
using System.Text;

namespace Milter.Host.Admin;

/// <summary>The CLI side of the admin socket: one command, the answer lines up to and including <c>OK</c>/<c>ERR …</c>.</summary>
internal static class AdminClient
{
    public static async Task<IReadOnlyList<string>> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The milter refuses a peer it does not trust with an answer and a close at once, which may come before
            // the request goes out (a broken pipe): its answer is still there to read.
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lines.Add(line);
            if (line == "OK" || line.StartsWith("ERR", StringComparison.Ordinal))
            {
                return lines;
            }
        }

        lines.Add("ERR the milter closed the admin connection without an answer");
        return lines;
    }
}
