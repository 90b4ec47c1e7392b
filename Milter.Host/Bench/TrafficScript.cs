using System.Globalization;
using Milter.Protocol.Client;
using Milter.Protocol;

namespace Milter.Host.Bench;

/// <summary>
/// <c>milter bench --traffic FILE</c>: one SMTP session per line, each with the reply expected at every stage, so every
/// reply of the run is checked. Tab-separated: client address, client name, HELO, sender, recipient, then the expected
/// reply at CONNECT, HELO, MAIL and RCPT: <c>continue</c>, <c>reject</c>, <c>tempfail</c>, <c>discard</c> or the SMTP reply
/// (<c>550 5.7.1 Access denied</c>); <c>-</c> after the stage that ends the session. <c>#</c> starts a comment line.
/// Sessions take the lines in turn. Written by <c>Milter.Benchmarks product-fixture</c> (bench/compare-product.sh).
/// </summary>
internal sealed class TrafficScript
{
    public const int Stages = 4;

    private TrafficScript(Session[] sessions) => Sessions = sessions;

    public Session[] Sessions { get; }

    public Session For(long sessionNumber) => Sessions[sessionNumber % Sessions.Length];

    public static TrafficScript Load(string path)
    {
        var sessions = new List<Session>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] f = line.Split('\t');
            if (f.Length != 5 + Stages)
            {
                throw new FormatException($"{path}:{number}: {f.Length} fields, expected {5 + Stages} (address, name, helo, sender, recipient, 4 replies)");
            }

            var expected = new Expected?[Stages];
            for (int s = 0; s < Stages; s++)
            {
                expected[s] = f[5 + s] == "-" ? null : Expected.Parse(f[5 + s], $"{path}:{number}");
            }

            sessions.Add(new Session(number, f[0], f[1], f[2], f[3], f[4], expected));
        }

        return sessions.Count == 0 ? throw new FormatException($"{path}: no sessions") : new TrafficScript([.. sessions]);
    }

    /// <summary>One scripted session; its macro packets are built once, here.</summary>
    internal sealed class Session
    {
        public Session(int line, string address, string name, string helo, string sender, string recipient, Expected?[] expected)
        {
            Line = line;
            Address = address;
            Name = name;
            Helo = helo;
            Sender = sender;
            Recipient = recipient;
            Expected = expected;
            ConnectMacros = [new("j", "mx.bench.example"), new("{daemon_name}", "MTA"), new("{client_addr}", address), new("{client_name}", name), new("{client_resolve}", "OK")];
            MailMacros = [new("i", "5BENCH0001"), new("{mail_addr}", sender.Trim('<', '>')), new("{mail_mailer}", "esmtp")];
            RecipientMacros = [new("i", "5BENCH0001"), new("{rcpt_addr}", recipient.Trim('<', '>')), new("{rcpt_mailer}", "esmtp")];
            Port = (ushort)(20000 + (line % 40000));
        }

        public int Line { get; }

        public string Address { get; }

        public string Name { get; }

        public string Helo { get; }

        public string Sender { get; }

        public string Recipient { get; }

        public ushort Port { get; }

        /// <summary>Per stage (connect, helo, mail, rcpt); null = the session ended before it.</summary>
        public Expected?[] Expected { get; }

        public IReadOnlyList<KeyValuePair<string, string>> ConnectMacros { get; }

        public IReadOnlyList<KeyValuePair<string, string>> MailMacros { get; }

        public IReadOnlyList<KeyValuePair<string, string>> RecipientMacros { get; }
    }

    /// <summary>An expected reply: a response code, and for SMFIR_REPLYCODE the reply text.</summary>
    internal sealed record Expected(MilterResponseCode Code, string? Text)
    {
        public static readonly Expected Continue = new(MilterResponseCode.Continue, null);

        public bool IsContinue => Code == MilterResponseCode.Continue;

        public static Expected Parse(string text, string where) => text switch
        {
            "continue" => Continue,
            "reject" => new(MilterResponseCode.Reject, null),
            "tempfail" => new(MilterResponseCode.TempFail, null),
            "discard" => new(MilterResponseCode.Discard, null),
            _ when text.Length > 4 && int.TryParse(text.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int code) && code is >= 400 and < 600 && text[3] == ' '
                => new(MilterResponseCode.ReplyCode, text),
            _ => throw new FormatException($"{where}: '{text}' is not continue, reject, tempfail, discard or an SMTP reply"),
        };

        public bool Matches(in MilterReply reply) =>
            reply.Code == Code && (Text is null || string.Equals(reply.Text, Text, StringComparison.Ordinal));

        public override string ToString() => Text ?? Code.ToString().ToLowerInvariant();
    }
}
