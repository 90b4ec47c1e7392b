using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// rpc.dracd's trusted-caller table (DRAC 1.12 <c>dracd.allow</c>, read by rpc.dracd.c <c>iniclist</c>): lines <c>netmask netaddr</c> in dotted
/// quads, <c>#</c> in column 1 starts a comment, a caller is allowed iff <c>(ip &amp; mask) == addr</c> for some
/// line. IPv4 only, as DRAC: an IPv6 caller is allowed only as a v4-mapped address (or <c>::1</c> by the default).
/// Without a file DRAC trusts 127.0.0.1 and the host's own addresses; so do we (plus <c>::1</c>).
/// </summary>
internal sealed class DracAllowList
{
    private readonly (uint Mask, uint Address)[] _networks;
    private readonly bool _allowIPv6Loopback;

    private DracAllowList((uint Mask, uint Address)[] networks, bool allowIPv6Loopback, IReadOnlyList<string> problems)
    {
        _networks = networks;
        _allowIPv6Loopback = allowIPv6Loopback;
        Problems = problems;
    }

    /// <summary>Lines DRAC would skip silently (<c>file:line: reason</c>); we skip them too, and say so.</summary>
    public IReadOnlyList<string> Problems { get; }

    public int Count => _networks.Length;

    /// <summary>DRAC's rule without an allow file: 127.0.0.1 and every address of this host (and ::1).</summary>
    public static DracAllowList Default()
    {
        var networks = new List<(uint, uint)> { (uint.MaxValue, 0x7F000001u) };
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork)
                    {
                        networks.Add((uint.MaxValue, ToUInt32(unicast.Address)));
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // 127.0.0.1 alone, as DRAC when gethostbyname fails
        }

        return new DracAllowList([.. networks.Distinct()], allowIPv6Loopback: true, []);
    }

    public static DracAllowList Parse(string text, string fileName)
    {
        var networks = new List<(uint, uint)>();
        var problems = new List<string>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // sscanf("%[0-9.] %[0-9.]"): the mask starts in column 1, blanks, the address; the rest is ignored
            int maskEnd = ScanDotted(line, 0);
            int addressStart = maskEnd;
            while (addressStart < line.Length && char.IsWhiteSpace(line[addressStart]))
            {
                addressStart++;
            }

            int addressEnd = ScanDotted(line, addressStart);
            if (maskEnd == 0 || addressEnd == addressStart)
            {
                problems.Add($"{fileName}:{number}: not 'netmask netaddr' (ignored, as DRAC does)");
                continue;
            }

            if (!TryParseQuad(line.AsSpan(0, maskEnd), out uint mask) || !TryParseQuad(line.AsSpan(addressStart, addressEnd - addressStart), out uint address))
            {
                problems.Add($"{fileName}:{number}: not a dotted quad (ignored)");
                continue;
            }

            networks.Add((mask, address));
        }

        return new DracAllowList([.. networks], allowIPv6Loopback: false, problems);
    }

    public bool IsAllowed(IPAddress caller)
    {
        if (caller.IsIPv4MappedToIPv6)
        {
            caller = caller.MapToIPv4();
        }

        if (caller.AddressFamily != AddressFamily.InterNetwork)
        {
            return _allowIPv6Loopback && IPAddress.IPv6Loopback.Equals(caller);
        }

        uint ip = ToUInt32(caller);
        foreach ((uint mask, uint address) in _networks)
        {
            if ((ip & mask) == address)
            {
                return true;
            }
        }

        return false;
    }

    private static int ScanDotted(string line, int start)
    {
        int i = start;
        while (i < line.Length && (char.IsAsciiDigit(line[i]) || line[i] == '.'))
        {
            i++;
        }

        return i;
    }

    private static bool TryParseQuad(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            if (++parts > 4 || !byte.TryParse(text[range], NumberStyles.None, CultureInfo.InvariantCulture, out byte octet))
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        return parts == 4;
    }

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
