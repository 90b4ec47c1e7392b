using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// An SMTP client that sends exactly the bytes of a command (a CR inside one included) and splits replies only at
/// CRLF, so a bare CR the server echoes stays inside its line (a StreamReader would split there). Returns the last line.
/// </summary>
internal sealed class RawSmtp : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly List<byte> _buffer = [];

    private RawSmtp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawSmtp> ConnectAsync(string from, int port)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(from), 0));
        await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
        var smtp = new RawSmtp(client);
        await smtp.ReadReplyAsync().ConfigureAwait(false);
        return smtp;
    }

    /// <summary>Sends <paramref name="command"/> + CRLF as Latin-1 bytes; returns the reply's last line.</summary>
    public async Task<string> SendAsync(string command)
    {
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(command + "\r\n"), _timeout.Token).ConfigureAwait(false);
        return await ReadReplyAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.WriteAsync("QUIT\r\n"u8.ToArray(), _timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _client.Dispose();
        _timeout.Dispose();
    }

    private async Task<string> ReadReplyAsync()
    {
        var chunk = new byte[4096];
        while (true)
        {
            string? line;
            while ((line = TakeLine()) is not null)
            {
                if (line.Length < 4 || line[3] == ' ')
                {
                    return line;
                }
            }

            int n = await _stream.ReadAsync(chunk, _timeout.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the server closed the connection");
            }

            _buffer.AddRange(chunk.AsSpan(0, n).ToArray());
        }
    }

    private string? TakeLine()
    {
        for (int i = 0; i + 1 < _buffer.Count; i++)
        {
            if (_buffer[i] == '\r' && _buffer[i + 1] == '\n')
            {
                string line = Encoding.Latin1.GetString([.. _buffer.GetRange(0, i)]);
                _buffer.RemoveRange(0, i + 2);
                return line;
            }
        }

        return null;
    }
}
