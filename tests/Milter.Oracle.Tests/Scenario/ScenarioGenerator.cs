using System.Globalization;

namespace Milter.Oracle.Tests.Scenario;

/// <summary>
/// Seeded generator of realistic rule files and sessions (issue 12 item 1): tagged and untagged keys, IPv4 and IPv6
/// addresses and prefixes, domains and subdomains, <c>user@</c>, <c>user+*@</c> and full-address keys, every action
/// (SKIP, DISCARD, QUARANTINE and ERROR forms included), and odd senders and recipients (unqualified, localhost forms,
/// trailing dots, address literals, <c>&lt;&gt;</c>, SMTP AUTH). Never produces what <see cref="Comparison.DeliberateDifferences"/>
/// lists as outside the comparison (CIDR keys, addresses Sendmail's parser refuses before the rulesets).
/// </summary>
public sealed class ScenarioGenerator
{
    private static readonly string[] AddressDomains =
    [
        .. Vocabulary.RemoteDomains, .. Vocabulary.RelayedDomains, "example.net", "mail.example.net", .. Vocabulary.ClassMDomains,
        Vocabulary.HostName, "localhost", "[192.0.2.5]", "[192.0.2.10]", "[127.0.0.1]",
    ];

    /// <summary>Domains written with a trailing dot: not localhost (Sendmail's localhost checks match the name without the
    /// dot, and a host lookup of "localhost." is answered by /etc/hosts, which is DNS's part), not literals.</summary>
    private static readonly string[] DottableDomains = [.. AddressDomains.Where(d => d[0] != '[' && d != "localhost")];

    private readonly Random _random;

    public ScenarioGenerator(int seed) => _random = new Random(seed);

    /// <summary><paramref name="sessions"/> sessions in cases of <paramref name="sessionsPerCase"/> (one rule set each).</summary>
    public IReadOnlyList<OracleCase> Generate(int sessions, int sessionsPerCase)
    {
        var cases = new List<OracleCase>();
        var id = 0;
        for (var index = 0; id < sessions; index++)
        {
            var rules = Rules();
            var count = Math.Min(sessionsPerCase, sessions - id);
            var list = new List<OracleSession>(count);
            for (var i = 0; i < count; i++)
            {
                list.Add(Session(id++, rules));
            }

            cases.Add(new OracleCase(index, rules, list));
        }

        return cases;
    }

    private OracleRules Rules()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var access = new List<string>();
        var lines = _random.Next(15, 46);
        while (access.Count < lines)
        {
            var (key, value) = Entry();
            if (keys.Add(key))
            {
                access.Add(key + (_random.Next(8) == 0 ? " " : "\t") + value);
            }
        }

        var relay = Vocabulary.RelayDomainEntries.Where(_ => _random.Next(3) == 0).ToList();
        var local = new List<string> { "example.net" };
        local.AddRange(Vocabulary.LocalNameEntries.Where(_ => _random.Next(3) == 0));
        return new OracleRules(access, relay, local);
    }

    private (string Key, string Value) Entry()
    {
        var roll = _random.Next(100);
        if (roll < 30)
        {
            return (Tagged("Connect:", ConnectKey()), Value());
        }

        if (roll < 55)
        {
            return (Tagged("From:", MailboxKey()), Value());
        }

        if (roll < 78)
        {
            return (Tagged("To:", MailboxKey()), Value());
        }

        if (roll < 88)
        {
            var value = _random.Next(10) switch
            {
                < 4 => "FRIEND",
                < 8 => "HATER",
                8 => "REJECT",
                _ => "friend",
            };
            return (Tagged("Spam:", SpamKey()), value);
        }

        // untagged (deprecated): matches Connect:, From: and To: lookups alike
        return (Mixed(_random.Next(3) switch { 0 => ConnectKey(), _ => MailboxKey() }), Value());
    }

    private string Tagged(string tag, string key) => Mixed(tag + key);

    /// <summary>Keys are case-folded by makemap and lookups alike: one in ten gets mixed case.</summary>
    private string Mixed(string key)
    {
        if (_random.Next(10) != 0)
        {
            return key;
        }

        var chars = key.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (_random.Next(3) == 0)
            {
                chars[i] = char.ToUpperInvariant(chars[i]);
            }
        }

        return new string(chars);
    }

    private string ConnectKey() => _random.Next(100) switch
    {
        < 25 => Pick(Vocabulary.IPv4Clients.Concat(Vocabulary.IPv6Clients).ToArray()),
        < 45 => Pick(Vocabulary.AddressPrefixes),
        < 65 => Pick(Vocabulary.ClientNames),
        < 80 => Parent(Pick(Vocabulary.ClientNames)),
        < 84 => Pick(Vocabulary.TopLevelDomains),
        < 95 => Pick(Vocabulary.LiteralKeys),
        _ => _random.Next(4) == 0 ? "IPv6" : "127.0.0.1",
    };

    private string MailboxKey()
    {
        var user = Pick(Vocabulary.Users);
        var domain = Pick(AddressDomains);
        return _random.Next(100) switch
        {
            < 28 => user + "@" + domain,
            < 36 => user + "+" + Pick(Vocabulary.Details) + "@" + domain,
            < 41 => user + "+*@" + domain,
            < 56 => user + "@",
            < 60 => user + "+*@",
            < 63 => user + "+" + Pick(Vocabulary.Details) + "@",
            < 93 => domain,
            < 97 => Parent(domain),
            _ => Pick(Vocabulary.TopLevelDomains),
        };
    }

    private string SpamKey() => _random.Next(3) switch
    {
        0 => Pick(Vocabulary.Users) + "@",
        1 => Pick(Vocabulary.Users) + "@" + Pick(["example.net", "mail.example.net", Vocabulary.HostName, .. Vocabulary.RemoteDomains]),
        _ => Pick(["example.net", Vocabulary.HostName, "test.example", .. Vocabulary.RemoteDomains, .. Vocabulary.RelayedDomains]),
    };

    private string Value() => _random.Next(100) switch
    {
        < 14 => "OK",
        < 28 => "RELAY",
        < 44 => "REJECT",
        < 49 => "DISCARD",
        < 57 => "SKIP",
        < 61 => Pick(Vocabulary.QuarantineValues),
        < 94 => Pick(Vocabulary.ErrorValues),
        _ => Pick(Vocabulary.OddValues),
    };

    private OracleSession Session(int id, OracleRules rules)
    {
        var (address, name, resolve) = Client();
        var auth = _random.Next(100) switch
        {
            < 80 => null,
            < 88 => "PLAIN",
            < 92 => "LOGIN",
            < 96 => "CRAM-MD5",
            _ => "DIGEST-MD5",
        };
        var recipients = new List<string>();
        var count = _random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
        for (var i = 0; i < count; i++)
        {
            recipients.Add(Recipient(rules));
        }

        return new OracleSession(id, address, name, resolve, auth, Sender(), recipients);
    }

    private (string Address, string Name, string Resolve) Client()
    {
        var roll = _random.Next(100);
        if (roll < 3)
        {
            return ("127.0.0.1", "localhost", "OK");
        }

        if (roll < 4)
        {
            return ("IPv6:0:0:0:0:0:0:0:1", "localhost", "OK");
        }

        if (roll < 6)
        {
            return ("0", Pick(Vocabulary.ClientNames), "OK"); // {client_addr} of a local submission (sendmail -bs): Relay_ok's R0
        }

        var address = roll < 82 ? Pick(Vocabulary.IPv4Clients) : Pick(Vocabulary.IPv6Clients);
        return _random.Next(100) switch
        {
            < 70 => (address, Pick(Vocabulary.ClientNames), "OK"),
            < 75 => (address, Pick(Vocabulary.ClientNames), "FORGED"),
            < 93 => (address, "[" + address + "]", "FAIL"),
            _ => (address, "[" + address + "]", "TEMP"),
        };
    }

    private string Sender()
    {
        var user = User();
        return _random.Next(100) switch
        {
            < 8 => "<>",
            < 62 => $"<{user}@{Pick(AddressDomains)}>",
            < 68 => $"<{user}>",
            < 74 => $"<{user}@{Pick(Vocabulary.LocalhostDomains)}>",
            < 78 => $"<{user}@{Pick(DottableDomains)}.>",
            < 82 => $"<{user}@{Pick(["[192.0.2.5]", "[192.0.2.10]", "[IPv6:2001:db8:1:0:0:0:0:5]"])}>",
            < 87 => $"{user}@{Pick(AddressDomains)}",
            < 91 => $"<{Upper(user)}@{Upper(Pick(AddressDomains))}>",
            < 95 => $"<{user}@{Vocabulary.HostName}>",
            _ => $"<{user}%{Pick(Vocabulary.RemoteDomains)}@{Pick(["example.net", "relayed.example", "remote.example"])}>",
        };
    }

    private string Recipient(OracleRules rules)
    {
        var user = User();
        var local = Pick([.. rules.LocalHostNames.Where(n => n[0] != '['), Vocabulary.HostName]);
        return _random.Next(100) switch
        {
            < 22 => $"<{user}@{local}>",
            < 34 => $"<{user}@{Pick(Vocabulary.RelayedDomains)}>",
            < 40 => $"<{user}@{Pick(Vocabulary.ClassMDomains)}>",
            < 58 => $"<{user}@{Pick(Vocabulary.RemoteDomains)}>",
            < 66 => $"<{Pick(["bob", "postmaster", "abuse", "alice+news", "carol"])}>",
            < 71 => $"<{user}@{Pick([local, .. Vocabulary.RelayedDomains, .. Vocabulary.RemoteDomains])}.>",
            < 76 => $"<{user}@{Pick(["localhost", "localhost.test.example", "LOCALHOST", Vocabulary.ShortHostName])}>",
            < 82 => $"<{user}@{Pick(["[127.0.0.1]", "[192.0.2.10]", "[192.0.2.5]"])}>",
            < 86 => $"<{user}%{Pick(Vocabulary.RemoteDomains)}@{Pick(["example.net", "relayed.example", "remote.example"])}>",
            < 90 => $"{user}@{Pick([local, .. Vocabulary.RemoteDomains])}",
            < 94 => $"<{Upper(user)}@{Upper(Pick([local, .. Vocabulary.RelayedDomains, .. Vocabulary.RemoteDomains]))}>",
            _ => $"<{user}@{Vocabulary.HostName}>",
        };
    }

    private string User()
    {
        var user = Pick(Vocabulary.Users);
        return _random.Next(6) == 0 ? user + "+" + Pick(Vocabulary.Details) : user;
    }

    private string Upper(string text) => _random.Next(2) == 0 ? text.ToUpperInvariant() : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(text);

    private static string Parent(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 || name[0] == '[' ? name : name[(dot + 1)..];
    }

    private string Pick(IReadOnlyList<string> items) => items[_random.Next(items.Count)];
}
