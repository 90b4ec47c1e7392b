using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// An SMTP session driven one command at a time from a 127.0.0.x address, for what swaks does not send (HELP, VRFY,
/// EXPN, MAIL before HELO). Each reply is returned whole (all lines of a multi-line reply).
/// </summary>
internal sealed class SmtpProbe : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    private SmtpProbe(TcpClient client)
    {
        _client = client;
        NetworkStream stream = client.GetStream();
        _reader = new StreamReader(stream, Encoding.ASCII);
        _writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
    }

    /// <summary>The server's greeting (the 220 lines).</summary>
    public IReadOnlyList<string> Greeting { get; private set; } = [];

    public static async Task<SmtpProbe> ConnectAsync(string from, int port)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(from), 0));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        var probe = new SmtpProbe(client);
        try
        {
            probe.Greeting = await probe.ReadReplyAsync().ConfigureAwait(false);
            return probe;
        }
        catch
        {
            await probe.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends one command line and returns the reply's lines.</summary>
    public async Task<IReadOnlyList<string>> SendAsync(string command)
    {
        await _writer.WriteLineAsync(command.AsMemory(), _timeout.Token).ConfigureAwait(false);
        return await ReadReplyAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.Connected)
            {
                await _writer.WriteLineAsync("QUIT".AsMemory(), _timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the server may have closed the session already
        }

        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // closed by the server
        }

        _reader.Dispose();
        _client.Dispose();
        _timeout.Dispose();
    }

    private async Task<IReadOnlyList<string>> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await _reader.ReadLineAsync(_timeout.Token).ConfigureAwait(false)
                ?? throw new IOException("the server closed the connection; reply so far: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return lines;
            }
        }
    }
}
