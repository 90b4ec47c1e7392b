using System.Globalization;
using System.Text;

namespace Milter.Benchmarks;

/// <summary>
/// Writes a deterministic access source of <c>lines</c> lines, mixed the way a large site's file looks: Connect: IPv4
/// addresses, octet prefixes, CIDR blocks, uncompressed IPv6 addresses and /48s, client host names; From: and To:
/// addresses and domains; a few comment and blank lines. Every key embeds the line index (or a bijection of it), so
/// keys are unique after case folding and both makemap and a strict load accept the file.
/// </summary>
internal static class AccessFileGenerator
{
    private static readonly string[] Words = ["mail", "mx", "relay", "smtp", "out", "bulk", "news", "shop", "info", "dyn"];
    private static readonly string[] Tlds = ["example", "example.com", "example.net", "example.org", "test", "invalid"];
    private static readonly string[] CidrLengths = ["20", "22", "24", "26", "28"];

    private static readonly string[] ErrorValues =
    [
        "ERROR:\"550 5.7.1 Mail from your network is refused\"",
        "ERROR:5.7.1:\"550 Spam source, see https://blocklist.example/lookup\"",
        "ERROR:\"554 5.7.1 Your network is blocked\"",
        "ERROR:4.7.1:\"450 Slow down\"",
        "ERROR:\"550 5.1.1 User unknown\"",
        "ERROR:\"553 5.1.8 Sender domain does not exist\"",
    ];

    /// <summary>Writes the file with <c>\n</c> line ends and returns the number of lines written.</summary>
    public static int Write(Stream output, int lines)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.Write("# Generated access source: ");
        writer.Write(lines.ToString(CultureInfo.InvariantCulture));
        writer.Write(" lines (Milter.Benchmarks AccessFileGenerator)\n");
        for (var i = 1; i < lines; i++)
        {
            writer.Write(Line(i));
            writer.Write('\n');
        }

        return lines;
    }

    public static byte[] Generate(int lines)
    {
        using var memory = new MemoryStream();
        Write(memory, lines);
        return memory.ToArray();
    }

    /// <summary>Line <paramref name="i"/> (≥ 1), without its line end.</summary>
    public static string Line(int i)
    {
        var h = Mix((uint)i);
        var kind = h % 100;
        var word = Words[(h >> 8) % (uint)Words.Length];
        var tld = Tlds[(h >> 12) % (uint)Tlds.Length];
        var value = Value(h >> 16);
        var s = CultureInfo.InvariantCulture;
        return kind switch
        {
            < 2 => (h >> 7) % 2 == 0 ? "" : $"# block list update {i}",
            < 26 => "Connect:" + Dotted(0x0400_0000u + (uint)i * 2654435761u % (1u << 26)) + "\t" + value,
            < 31 => "Connect:" + OctetPrefix(i) + "\t" + value,
            < 35 => "Connect:" + Cidr(i) + "\t" + value,
            < 40 => string.Create(s, $"Connect:IPv6:2001:db8:{i >> 16:x}:{i & 0xffff:x}:0:0:0:{h & 0xffff:x}\t{value}"),
            < 41 => string.Create(s, $"Connect:IPv6:2001:{0xdc0 + (i >> 16):x}:{i & 0xffff:x}::/48\t{value}"),
            < 51 => string.Create(s, $"Connect:{word}{i}.dsl.{word}-isp.{tld}\t{value}"),
            < 71 => string.Create(s, $"From:user{i}@{word}.{tld}\t{value}"),
            < 81 => string.Create(s, $"From:{word}-{i}.{tld}\t{value}"),
            < 89 => string.Create(s, $"To:rcpt{i}@{word}.{tld}\t{value}"),
            _ => string.Create(s, $"To:{word}{i}.partner.{tld}\t{((h >> 20) % 3 == 0 ? value : "RELAY")}"),
        };
    }

    private static string Value(uint h) => (h % 20) switch
    {
        < 8 => "REJECT",
        < 10 => "OK",
        < 12 => "RELAY",
        12 => "DISCARD",
        13 => "SKIP",
        14 => "QUARANTINE:held for review",
        _ => ErrorValues[(h >> 5) % (uint)ErrorValues.Length],
    };

    /// <summary>Three-octet keys in 64.0.0.0/4 (the octet walk's "network" form); unique for i &lt; 2^20.</summary>
    private static string OctetPrefix(int i)
    {
        var v = (uint)i * 2654435761u % (1u << 20);
        return string.Create(CultureInfo.InvariantCulture, $"{64 + (v >> 16)}.{(v >> 8) & 0xff}.{v & 0xff}");
    }

    /// <summary>
    /// CIDR blocks in 128.0.0.0/2 (clear of the exact and octet keys and of the 192+ test networks): network number
    /// <c>i / 5</c> at one of five prefix lengths, so one length never repeats a network.
    /// </summary>
    private static string Cidr(int i)
    {
        var length = CidrLengths[i % CidrLengths.Length];
        var network = 0x8000_0000u | ((uint)(i / 5) << (32 - int.Parse(length, CultureInfo.InvariantCulture)));
        return Dotted(network) + "/" + length;
    }

    private static string Dotted(uint v) =>
        string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 0xff}.{(v >> 8) & 0xff}.{v & 0xff}");

    /// <summary>A fixed integer hash (murmur3 finaliser): deterministic across runs and runtimes.</summary>
    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x85ebca6b;
        x ^= x >> 13;
        x *= 0xc2b2ae35;
        x ^= x >> 16;
        return x;
    }
}
