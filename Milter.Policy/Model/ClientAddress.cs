using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Milter.Policy.Model;

/// <summary>
/// A client address normalised the way Sendmail's rules see it (daemon.c anynet_ntop): <c>IPv6:</c> prefix and brackets
/// stripped, v4-mapped IPv6 turned into IPv4, rendered as a dotted quad or as uncompressed lowercase
/// <c>IPv6:2001:db8:0:0:0:0:0:1</c>.
/// </summary>
public readonly struct ClientAddress : IEquatable<ClientAddress>
{
    /// <summary>Longest rendering: <c>IPv6:</c> + 8 groups of 4 hex digits + 7 colons.</summary>
    public const int MaxFormattedLength = 5 + 32 + 7;

    // Two halves rather than one UInt128: a UInt128 field is 16-byte aligned, which makes the struct 32 bytes, not 24.
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly byte _family;

    private ClientAddress(byte family, UInt128 bits)
    {
        _family = family;
        _hi = (ulong)(bits >> 64);
        _lo = (ulong)bits;
    }

    public static ClientAddress None => default;

    public bool IsNone => _family == 0;

    public bool IsIPv4 => _family == 4;

    public bool IsIPv6 => _family == 6;

    internal uint V4 => (uint)_lo;

    internal UInt128 V6 => new(_hi, _lo);

    /// <summary>127.0.0.1 or ::1 exactly (Relay_ok "originated locally"; 127.0.0.2 is not local).</summary>
    public bool IsLoopback => (IsIPv4 && V4 == 0x7F000001u) || (IsIPv6 && _hi == 0 && _lo == 1);

    public static ClientAddress FromIPv4(uint value) => new(4, value);

    internal static ClientAddress FromIPv6(UInt128 value) => new(6, value);

    public static ClientAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return new ClientAddress(4, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return None;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return FromIPAddress(address.MapToIPv4());
        }

        address.TryWriteBytes(bytes, out _);
        return new ClientAddress(6, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// Parses any form an MTA sends: <c>1.2.3.4</c>, <c>[1.2.3.4]</c>, <c>IPv6:2001:db8::1</c>,
    /// <c>[IPv6:2001:DB8:0:0:0:0:0:1]</c>, <c>::ffff:1.2.3.4</c>, <c>2001:db8::1</c>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ClientAddress address)
    {
        address = None;
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }

        if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[5..];
        }

        if (text.IsEmpty || !IPAddress.TryParse(text, out var ip))
        {
            return false;
        }

        address = FromIPAddress(ip);
        return !address.IsNone;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, V4);
            return new IPAddress(bytes[..4]);
        }

        BinaryPrimitives.WriteUInt128BigEndian(bytes, V6);
        return IsIPv6 ? new IPAddress(bytes) : IPAddress.None;
    }

    /// <summary>Writes the Sendmail form (dotted quad, or uncompressed lowercase <c>IPv6:</c> form).</summary>
    public int Format(Span<char> destination)
    {
        var pos = 0;
        if (IsIPv4)
        {
            var v = V4;
            for (var i = 3; i >= 0; i--)
            {
                pos += WriteDecimal((v >> (i * 8)) & 0xFF, destination[pos..]);
                if (i > 0)
                {
                    destination[pos++] = '.';
                }
            }

            return pos;
        }

        if (!IsIPv6)
        {
            return 0;
        }

        "IPv6:".CopyTo(destination);
        pos = 5;
        for (var g = 7; g >= 0; g--)
        {
            pos += WriteHex((ushort)((g >= 4 ? _hi : _lo) >> (g % 4 * 16)), destination[pos..]);
            if (g > 0)
            {
                destination[pos++] = ':';
            }
        }

        return pos;
    }

    /// <summary>An octet in decimal; by hand because every walk formats the address and TryFormat is the slow part.</summary>
    private static int WriteDecimal(uint octet, Span<char> destination)
    {
        if (octet >= 100)
        {
            destination[2] = (char)('0' + octet % 10);
            destination[1] = (char)('0' + octet / 10 % 10);
            destination[0] = (char)('0' + octet / 100);
            return 3;
        }

        if (octet >= 10)
        {
            destination[1] = (char)('0' + octet % 10);
            destination[0] = (char)('0' + octet / 10);
            return 2;
        }

        destination[0] = (char)('0' + octet);
        return 1;
    }

    /// <summary>A group in lower-case hex without leading zeros (<c>0</c>, <c>db8</c>, <c>2001</c>).</summary>
    private static int WriteHex(uint group, Span<char> destination)
    {
        var digits = group >= 0x1000 ? 4 : group >= 0x100 ? 3 : group >= 0x10 ? 2 : 1;
        for (var i = digits - 1; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"[(int)(group & 0xF)];
            group >>= 4;
        }

        return digits;
    }

    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxFormattedLength];
        return new string(buffer[..Format(buffer)]);
    }

    public bool Equals(ClientAddress other) => _family == other._family && _hi == other._hi && _lo == other._lo;

    public override bool Equals(object? obj) => obj is ClientAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_family, _hi, _lo);

    public static bool operator ==(ClientAddress left, ClientAddress right) => left.Equals(right);

    public static bool operator !=(ClientAddress left, ClientAddress right) => !left.Equals(right);
}
