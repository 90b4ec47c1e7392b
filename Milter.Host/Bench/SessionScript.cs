using System.Globalization;

namespace Milter.Host.Bench;

/// <summary>
/// The inputs of the bench sessions, built once: client addresses (text only, 127.0.0.x and 10.x.y.z), the
/// macro packets Sendmail 8.17 sends by default, envelope, headers and a body of the configured size. Built
/// up front so the load tool's own allocations stay out of the measured path as far as MilterClient allows.
/// </summary>
internal sealed class SessionScript
{
    private const int ClientCount = 1024;
    public static readonly IReadOnlyList<KeyValuePair<string, string>> NoMacros = [];

    public SessionScript(int recipients, int bodySize)
    {
        Clients = new Client[ClientCount];
        for (int i = 0; i < ClientCount; i++)
        {
            string address = i % 2 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.{(i / 2 % 254) + 1}")
                : string.Create(CultureInfo.InvariantCulture, $"10.{i % 251}.{i / 7 % 256}.{(i % 253) + 1}");
            string hostname = i % 4 == 1 ? $"[{address}]" : string.Create(CultureInfo.InvariantCulture, $"client{i}.bench.example");
            Clients[i] = new Client(
                hostname,
                address,
                (ushort)(20000 + i),
                [new("j", "mx.bench.example"), new("{daemon_name}", "MTA"), new("{client_addr}", address), new("{client_name}", hostname)]);
        }

        Sender = "<sender@bench.example>";
        MailArguments = ["SIZE=" + bodySize.ToString(CultureInfo.InvariantCulture), "BODY=8BITMIME"];
        MailMacros = [new("i", "5BENCH0001"), new("{mail_addr}", "sender@bench.example"), new("{mail_mailer}", "esmtp")];
        RecipientAddresses = new string[recipients];
        RecipientMacros = new IReadOnlyList<KeyValuePair<string, string>>[recipients];
        for (int r = 0; r < recipients; r++)
        {
            string mailbox = string.Create(CultureInfo.InvariantCulture, $"rcpt{r}@bench.example");
            RecipientAddresses[r] = $"<{mailbox}>";
            RecipientMacros[r] = [new("{rcpt_addr}", mailbox), new("{rcpt_mailer}", "local")];
        }

        Headers =
        [
            new("From", "Sender <sender@bench.example>"),
            new("To", "rcpt0@bench.example"),
            new("Subject", "load test message"),
            new("Message-ID", "<bench.1@bench.example>"),
            new("Date", "Mon, 1 Jan 2024 00:00:00 +0000"),
            new("MIME-Version", "1.0"),
        ];
        EndOfMessageMacros = [new("i", "5BENCH0001")];
        Body = MakeBody(bodySize);
    }

    public Client[] Clients { get; }

    public static string Helo => "client.bench.example";

    /// <summary>Sendmail sends an empty macro packet before HELO when no TLS/auth macro has a value.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> HeloMacros => NoMacros;

    public string Sender { get; }

    public string[] MailArguments { get; }

    public IReadOnlyList<KeyValuePair<string, string>> MailMacros { get; }

    public string[] RecipientAddresses { get; }

    public IReadOnlyList<KeyValuePair<string, string>>[] RecipientMacros { get; }

    public KeyValuePair<string, string>[] Headers { get; }

    public IReadOnlyList<KeyValuePair<string, string>> EndOfMessageMacros { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public Client ClientFor(long sessionNumber) => Clients[sessionNumber % ClientCount];

    // CRLF lines of printable text, as an MTA hands the body over after dot-unstuffing.
    private static byte[] MakeBody(int size)
    {
        var body = new byte[size];
        ReadOnlySpan<byte> line = "The quick brown fox jumps over the lazy dog; load test body line.\r\n"u8;
        for (int at = 0; at < size; at += line.Length)
        {
            line[..Math.Min(line.Length, size - at)].CopyTo(body.AsSpan(at));
        }

        if (size >= 2)
        {
            body[^2] = (byte)'\r';
            body[^1] = (byte)'\n';
        }

        return body;
    }

    internal sealed record Client(string Hostname, string Address, ushort Port, IReadOnlyList<KeyValuePair<string, string>> Macros);
}
