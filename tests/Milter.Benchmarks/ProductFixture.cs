using System.Globalization;
using System.Text;
using Milter.Host.Options;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Benchmarks;

/// <summary>
/// <c>product-fixture DIR ACCESS_LINES [SESSIONS]</c>, for bench/compare-product.sh: writes DIR/access (<see cref="AccessFileGenerator"/>),
/// DIR/relay-domains, DIR/local-host-names and DIR/traffic.tsv (<c>milter bench --traffic</c>). The sessions mix, per 100:
/// 35 inbound to a local domain, 10 to a relay-domains domain, 10 from a <c>Connect: RELAY</c> client to a remote
/// domain, 5 to a <c>To: RELAY</c> domain, 15 relay attempts refused, 13 clients refused by a <c>Connect:</c> entry
/// (address, octet prefix, CIDR block or host name; REJECT or ERROR, 4xx included) and 12 senders refused by a
/// <c>From:</c> entry (address or domain). The reply expected at each stage is what <c>milter run</c>'s policy
/// (defaults, no lease) decides, computed here with the product's own engine; the libmilter access milter
/// (bench/access-milter.c) must give the same replies, and the load tool checks every one on both.
/// </summary>
internal static class ProductFixture
{
    private const int LocalDomains = 20;
    private const int RelayDomains = 200;

    public static int Run(string[] args)
    {
        if (args is not ["product-fixture", var dir, var lineText, .. var rest]
            || !int.TryParse(lineText, CultureInfo.InvariantCulture, out int lines) || lines < 200
            || (rest.Length > 0 && !int.TryParse(rest[0], CultureInfo.InvariantCulture, out _)))
        {
            Console.Error.WriteLine("usage: Milter.Benchmarks product-fixture DIR ACCESS_LINES(>=200) [SESSIONS]");
            return 2;
        }

        int sessions = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 2000;
        Directory.CreateDirectory(dir);
        string access = Path.Combine(dir, "access"), relay = Path.Combine(dir, "relay-domains"), local = Path.Combine(dir, "local-host-names");
        using (FileStream file = File.Create(access))
        {
            AccessFileGenerator.Write(file, lines);
        }

        File.WriteAllLines(relay, Enumerable.Range(1, RelayDomains).Select(i => string.Create(CultureInfo.InvariantCulture, $"relay{i}.partner-relay.example")));
        File.WriteAllLines(local, Enumerable.Range(1, LocalDomains).Select(i => string.Create(CultureInfo.InvariantCulture, $"local{i}.bench.example")));

        RuleSetLoadResult loaded = new RuleSetLoader().LoadFiles(access, relay, local);
        if (!loaded.Succeeded || loaded.RuleSet is null)
        {
            Console.Error.WriteLine(string.Join('\n', loaded.Errors.Take(5)));
            return 1;
        }

        var engine = new PolicyEngine(new RuleSetHolder(loaded.RuleSet), new PolicySettings().ToPolicyOptions());
        Entries entries = Entries.From(lines);
        var random = new Random(20261203);
        var text = new StringBuilder();
        text.Append("# client_addr\tclient_name\thelo\tsender\trecipient\tconnect\thelo\tmail\trcpt  (Milter.Benchmarks product-fixture)\n");
        for (int n = 0; n < sessions; n++)
        {
            (string address, string name, string sender, string recipient) = Pick(n % 100, n, entries, random);
            string[] expected = Expect(engine, address, name, sender, recipient);
            text.Append(address).Append('\t').Append(name).Append('\t').Append("client").Append(n).Append(".helo.example\t")
                .Append(sender).Append('\t').Append(recipient).Append('\t').AppendJoin('\t', expected).Append('\n');
        }

        File.WriteAllText(Path.Combine(dir, "traffic.tsv"), text.ToString());
        Console.WriteLine($"{dir}: access {lines} lines, relay-domains {RelayDomains}, local-host-names {LocalDomains}, traffic {sessions} sessions");
        return 0;
    }

    private static (string Address, string Name, string Sender, string Recipient) Pick(int slot, int n, Entries e, Random random)
    {
        string stranger = string.Create(CultureInfo.InvariantCulture, $"198.18.{n / 250 % 256}.{(n % 250) + 1}");
        string strangerName = n % 4 == 0 ? "[" + stranger + "]" : string.Create(CultureInfo.InvariantCulture, $"h{n}.stranger.bench.example");
        string sender = string.Create(CultureInfo.InvariantCulture, $"<user{n}@sender.bench.example>");
        string remote = string.Create(CultureInfo.InvariantCulture, $"<rcpt{n}@remote{n % 97}.bench.example>");
        return slot switch
        {
            < 35 => (stranger, strangerName, sender, string.Create(CultureInfo.InvariantCulture, $"<user{n}@local{(n % LocalDomains) + 1}.bench.example>")),
            < 45 => (stranger, strangerName, sender, string.Create(CultureInfo.InvariantCulture, $"<user{n}@{(n % 2 == 0 ? "" : "mx.")}relay{(n % RelayDomains) + 1}.partner-relay.example>")),
            < 55 => ClientAt(Of(e.RelayAddresses, random), sender, remote),
            < 60 => (stranger, strangerName, sender, "<user@" + Of(e.ToRelay, random) + ">"),
            < 75 => (stranger, strangerName, sender, remote),
            < 78 => ClientAt(Of(e.RefusedAddresses, random), sender, remote),
            < 81 => ClientAt(Of(e.RefusedPrefixes, random) + "." + (1 + random.Next(254)).ToString(CultureInfo.InvariantCulture), sender, remote),
            < 84 => ClientAt(Of(e.RefusedCidrs, random), sender, remote),
            < 88 => (stranger, Of(e.RefusedHosts, random), sender, remote),
            < 94 => (stranger, strangerName, "<" + Of(e.RefusedSenders, random) + ">", remote),
            _ => (stranger, strangerName, string.Create(CultureInfo.InvariantCulture, $"<user{n}@{Of(e.RefusedSenderDomains, random)}>"), remote),
        };
    }

    private static (string, string, string, string) ClientAt(string address, string sender, string recipient) => (address, "[" + address + "]", sender, recipient);

    private static string Of(List<string> list, Random random) =>
        list.Count == 0 ? throw new InvalidOperationException("the access file is too small for every kind of entry") : list[random.Next(list.Count)];

    /// <summary>The reply at each stage as <c>milter run</c> gives it (PolicyMilterHandler's mapping); <c>-</c> after the end.</summary>
    private static string[] Expect(PolicyEngine engine, string address, string name, string sender, string recipient)
    {
        PolicySession session = engine.OpenSession(new ClientFacts(address, name, ClientResolve.Ok));
        string[] expected = ["continue", "-", "-", "-"];
        session.Connect(); // the adapter answers continue at connect whatever the verdict (it is delivered later)
        Verdict[] verdicts = [session.Helo("client.helo.example"), session.Mail(sender), session.RcptAsync(recipient).AsTask().GetAwaiter().GetResult()];
        for (int i = 0; i < verdicts.Length; i++)
        {
            expected[i + 1] = Reply(verdicts[i]);
            if (expected[i + 1] != "continue")
            {
                break;
            }
        }

        return expected;
    }

    private static string Reply(in Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Reject or VerdictAction.TempFail when verdict.Reply is { } reply => reply.Line,
        VerdictAction.Reject => "reject",
        VerdictAction.TempFail => "tempfail",
        VerdictAction.Discard => "discard",
        _ => "continue",
    };

    /// <summary>Generated access lines by kind, with the values the traffic needs (RELAY, or REJECT and ERROR).</summary>
    private sealed class Entries
    {
        public List<string> RelayAddresses { get; } = [];

        public List<string> RefusedAddresses { get; } = [];

        public List<string> RefusedPrefixes { get; } = [];

        public List<string> RefusedCidrs { get; } = [];

        public List<string> RefusedHosts { get; } = [];

        public List<string> RefusedSenders { get; } = [];

        public List<string> RefusedSenderDomains { get; } = [];

        public List<string> ToRelay { get; } = [];

        public static Entries From(int lines)
        {
            var e = new Entries();
            for (int i = 1; i < lines; i++)
            {
                string line = AccessFileGenerator.Line(i);
                int tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab < 0)
                {
                    continue;
                }

                string key = line[..tab], value = line[(tab + 1)..];
                bool refuses = value == "REJECT" || value.StartsWith("ERROR:", StringComparison.Ordinal);
                if (key.StartsWith("Connect:", StringComparison.Ordinal))
                {
                    string k = key["Connect:".Length..];
                    if (k.StartsWith("IPv6:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    int dots = k.Count(c => c == '.');
                    bool numeric = k.All(c => char.IsAsciiDigit(c) || c is '.' or '/');
                    bool cidr = k.Contains('/', StringComparison.Ordinal);
                    if (cidr && !(numeric && refuses))
                    {
                        continue;
                    }

                    if (cidr)
                    {
                        // an address inside the block, not the network address itself
                        string[] parts = k.Split('/')[0].Split('.');
                        e.RefusedCidrs.Add($"{parts[0]}.{parts[1]}.{parts[2]}.{int.Parse(parts[3], CultureInfo.InvariantCulture) + 1}");
                    }
                    else if (numeric && dots == 3)
                    {
                        (value == "RELAY" ? e.RelayAddresses : refuses ? e.RefusedAddresses : null)?.Add(k);
                    }
                    else if (numeric && dots == 2 && refuses)
                    {
                        e.RefusedPrefixes.Add(k);
                    }
                    else if (!numeric && refuses)
                    {
                        e.RefusedHosts.Add(k);
                    }
                }
                else if (key.StartsWith("From:", StringComparison.Ordinal) && refuses)
                {
                    string k = key["From:".Length..];
                    (k.Contains('@', StringComparison.Ordinal) ? e.RefusedSenders : e.RefusedSenderDomains).Add(k);
                }
                else if (key.StartsWith("To:", StringComparison.Ordinal) && value == "RELAY" && !key.Contains('@', StringComparison.Ordinal))
                {
                    e.ToRelay.Add(key["To:".Length..]);
                }
            }

            return e;
        }
    }
}
