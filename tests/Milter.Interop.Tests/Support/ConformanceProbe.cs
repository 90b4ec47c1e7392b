using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// Raw-socket probes of odd and malformed milter input. Each probe opens its own connection, negotiates (version 6,
/// every action, every protocol step), sends the commands that lead up to the odd input, then the odd input, and
/// reports what came back: <c>reply 'X'</c> (the response command), <c>SILENCE</c> (nothing within
/// <see cref="SilenceWait"/>) or <c>CLOSED</c> (FIN or RST: which one only says whether unread bytes were still
/// buffered when the milter closed). Run against libmilter it records the reference behaviour
/// (tests/interop/record-captures.sh); run against our milter it shows where we differ.
/// </summary>
internal static class ConformanceProbe
{
    /// <summary>How long a probe waits for an answer before it calls the outcome <c>SILENCE</c>.</summary>
    public static readonly TimeSpan SilenceWait = TimeSpan.FromSeconds(3);

    private static readonly byte[] Connect = Packet('C', [.. "client.example\0"u8, (byte)'4', 0x10, 0x92, .. "192.0.2.1\0"u8]);
    private static readonly byte[] Helo = Packet('H', "client.example\0"u8);
    private static readonly byte[] Mail = Packet('M', "<a@example.org>\0"u8);
    private static readonly byte[] Rcpt = Packet('R', "<b@example.com>\0"u8);
    private static readonly byte[] Header = Packet('L', "A\0b\0"u8);
    private static readonly byte[] EndOfHeaders = Packet('N');
    private static readonly byte[] EndOfMessage = Packet('E');
    private static readonly byte[] Abort = Packet('A');
    private static readonly byte[] QuitNoClose = Packet('K');

    /// <summary>Every probe, in the order of the capture file.</summary>
    public static IReadOnlyList<(string Name, byte[][] Steps)> Probes { get; } =
    [
        ("BODY 65535 bytes (max)", [Connect, Helo, Mail, Rcpt, Header, EndOfHeaders, Packet('B', new byte[65535])]),
        ("BODY 65536 bytes (one over)", [Connect, Helo, Mail, Rcpt, Header, EndOfHeaders, Packet('B', new byte[65536])]),
        ("unknown command 'Z'", [Connect, Helo, Packet('Z', "junk"u8)]),
        ("BODY before MAIL (out of order)", [Connect, Helo, Packet('B', "hello\r\n"u8)]),
        ("HEADER value not NUL-terminated", [Connect, Helo, Mail, Rcpt, Packet('L', "Subject\0abc"u8)]),
        ("MACRO for unknown stage 'L'", [Connect, Helo, Mail, Packet('D', "Li\0Q1\0"u8)]),
        ("MACRO with no pairs", [Connect, Helo, Packet('D', "M"u8)]),
        ("ABORT after EOM (Postfix does this)", [Connect, Helo, Mail, Rcpt, EndOfMessage, Abort]),
        ("QUIT_NC in HELO state, then CONNECT", [Connect, Helo, QuitNoClose, Connect]),
        ("QUIT_NC after EOM=CONTINUE, CONNECT", [Connect, Helo, Mail, Rcpt, Packet('L', "X-Ref-Action\0continue\0"u8), EndOfHeaders, EndOfMessage, QuitNoClose, Connect]),
        ("QUIT_NC after EOM=ACCEPT, CONNECT", [Connect, Helo, Mail, Rcpt, EndOfMessage, QuitNoClose, Connect]),
        ("EOM straight after HEADER (no EOH)", [Connect, Helo, Mail, Rcpt, Header, EndOfMessage]),
        ("BODYEOB carrying data", [Connect, Helo, Mail, Rcpt, Packet('E', "tail\r\n"u8)]),
        ("len=0 header, then CONNECT", [[0, 0, 0, 0, .. Connect]]),
        ("HELO inside a transaction", [Connect, Helo, Mail, Rcpt, Helo]),
        ("ABORT, then MAIL", [Connect, Helo, Mail, Abort, Mail]),
        ("CONNECT with unknown family 'X'", [Packet('C', "client.example\0X"u8)]),
        ("length 0x7FFFFFFF announced", [Connect, Helo, [0x7F, 0xFF, 0xFF, 0xFF, (byte)'M']]),
    ];

    /// <summary>Runs every probe against a milter on 127.0.0.1:<paramref name="port"/>, side by side; "name -> result" rows in order.</summary>
    public static async Task<IReadOnlyList<(string Probe, string Result)>> RunAsync(int port, CancellationToken cancellationToken)
    {
        string[] results = await Task.WhenAll(Probes.Select(p => RunOneAsync(port, p.Steps, cancellationToken))).ConfigureAwait(false);
        return Probes.Select((p, i) => (p.Name, results[i])).ToList();
    }

    /// <summary>The capture file's text: a comment header, then one <c>name -> result</c> row per probe.</summary>
    public static string Format(IEnumerable<(string Probe, string Result)> rows, string header)
    {
        var text = new StringBuilder();
        foreach (string line in header.Split('\n'))
        {
            text.Append("# ").Append(line).Append('\n');
        }

        foreach ((string probe, string result) in rows)
        {
            text.Append(probe.PadRight(40)).Append(" -> ").Append(result).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The rows of a capture file (comment lines skipped).</summary>
    public static List<(string Probe, string Result)> Parse(string text) =>
        text.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split(" -> ", 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => (parts[0].TrimEnd(), parts[1].Trim()))
            .ToList();

    private static async Task<string> RunOneAsync(int port, byte[][] steps, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        byte[] negotiate = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(negotiate, 6);
        BinaryPrimitives.WriteUInt32BigEndian(negotiate.AsSpan(4), 0x1FF);
        BinaryPrimitives.WriteUInt32BigEndian(negotiate.AsSpan(8), 0x1FFFFF);
        string answer = await ExchangeAsync(socket, Packet('O', negotiate), cancellationToken).ConfigureAwait(false);
        if (answer != "reply 'O'")
        {
            return $"{answer} at OPTNEG";
        }

        for (int i = 0; i < steps.Length - 1; i++)
        {
            if (!Answered(steps[i]))
            {
                await SendAsync(socket, steps[i], cancellationToken).ConfigureAwait(false);
                continue;
            }

            answer = await ExchangeAsync(socket, steps[i], cancellationToken).ConfigureAwait(false);
            if (!answer.StartsWith("reply", StringComparison.Ordinal))
            {
                return $"{answer} before the probe (at '{(char)steps[i][4]}')";
            }
        }

        return await ExchangeAsync(socket, steps[^1], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>MACRO, ABORT and QUIT_NC never get an answer: the probe does not wait for one before the odd input.</summary>
    private static bool Answered(byte[] packet) => packet.Length < 5 || packet[4] is not ((byte)'D' or (byte)'A' or (byte)'K');

    /// <summary>Sends one packet and reads the final answer; an end of message may be preceded by modification requests.</summary>
    private static async Task<string> ExchangeAsync(Socket socket, byte[] packet, CancellationToken cancellationToken)
    {
        await SendAsync(socket, packet, cancellationToken).ConfigureAwait(false);
        string answer = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
        while (packet.Length >= 5 && packet[4] == 'E' && answer.Length == 9 && "+-2bhimeqp".Contains(answer[7], StringComparison.Ordinal))
        {
            answer = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
        }

        return answer;
    }

    private static async Task SendAsync(Socket socket, byte[] packet, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(packet, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // the milter closed while we were still sending: the read that follows reports CLOSED
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(SilenceWait);
        byte[] head = new byte[5];
        try
        {
            if (!await ReadExactlyAsync(socket, head, wait.Token).ConfigureAwait(false))
            {
                return "CLOSED";
            }

            long length = BinaryPrimitives.ReadUInt32BigEndian(head);
            if (length is < 1 or > 1 << 20 || !await ReadExactlyAsync(socket, new byte[length - 1], wait.Token).ConfigureAwait(false))
            {
                return $"bad reply length {length}";
            }

            return $"reply '{(char)head[4]}'";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "SILENCE";
        }
        catch (SocketException)
        {
            return "CLOSED";
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static byte[] Packet(char command, ReadOnlySpan<byte> data = default)
    {
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)data.Length + 1);
        packet[4] = (byte)command;
        data.CopyTo(packet.AsSpan(5));
        return packet;
    }
}
