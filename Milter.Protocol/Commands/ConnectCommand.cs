using System.Buffers;
using System.Net;
using System.Text;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>SMFIC_CONNECT: <c>hostname\0 family [port(uint16 BE) address\0]</c>; family <c>U</c> has no port or address.</summary>
public readonly struct ConnectCommand
{
    public ConnectCommand(MilterString hostname, ConnectFamily family, ushort port, MilterString address)
    {
        Hostname = hostname;
        Family = family;
        Port = port;
        Address = address;
    }

    /// <summary>Reverse-DNS name, or <c>[1.2.3.4]</c> when there is none.</summary>
    public MilterString Hostname { get; }

    public ConnectFamily Family { get; }

    public ushort Port { get; }

    /// <summary>The address text as sent (Sendmail prefixes IPv6 with <c>IPv6:</c>).</summary>
    public MilterString Address { get; }

    /// <summary>Decodes the packet data; throws <see cref="MilterProtocolException"/> when malformed.</summary>
    public static ConnectCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "CONNECT");
        ReadOnlyMemory<byte> hostname = reader.ReadCString("hostname");
        byte family = reader.ReadByte("family");
        switch (family)
        {
            case (byte)ConnectFamily.Unknown:
                return new ConnectCommand(new MilterString(hostname), ConnectFamily.Unknown, 0, default);
            case (byte)ConnectFamily.Unix:
            case (byte)ConnectFamily.Inet:
            case (byte)ConnectFamily.Inet6:
                ushort port = reader.ReadUInt16("port");
                if (reader.End)
                {
                    MilterProtocolException.Throw(ProtocolViolation.Truncated, "CONNECT: address missing");
                }

                ReadOnlyMemory<byte> address = reader.ReadCString("address");
                return new ConnectCommand(new MilterString(hostname), (ConnectFamily)family, port, new MilterString(address));
            default:
                MilterProtocolException.Throw(
                    ProtocolViolation.InvalidValue,
                    $"CONNECT: unknown address family 0x{family:X2} ({MilterFrameReader.Printable(family)})");
                return default;
        }
    }

    /// <summary>
    /// The client address as an <see cref="IPAddress"/> for families 4 and 6, with or without Sendmail's
    /// <c>IPv6:</c> prefix (as libmilter strips it before <c>inet_pton</c>).
    /// </summary>
    public bool TryGetIPAddress(out IPAddress? address)
    {
        address = null;
        if (Family is not (ConnectFamily.Inet or ConnectFamily.Inet6) || Address.Length > MaxAddressLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[Address.Length];
        Encoding.Latin1.GetChars(Address.Span, chars);
        return TryParseAddress(Family, chars, out address);
    }

    /// <summary>As <see cref="TryGetIPAddress"/>, for an address already decoded (<see cref="Session.ConnectInfo.Address"/>).</summary>
    public static bool TryParseAddress(ConnectFamily family, ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        if (family is not (ConnectFamily.Inet or ConnectFamily.Inet6) || text.Length > MaxAddressLength)
        {
            return false;
        }

        if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[5..];
        }

        return IPAddress.TryParse(text, out address);
    }

    private const int MaxAddressLength = 64;

    /// <summary>Encodes the packet data (MTA side).</summary>
    public void Write(IBufferWriter<byte> output)
    {
        int length = Hostname.Length + 2 + (Family == ConnectFamily.Unknown ? 0 : 2 + Address.Length + 1);
        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.Connect, length);
        MilterFrameWriter.WriteCString(output, Hostname.Span);
        MilterFrameWriter.WriteByte(output, (byte)Family);
        if (Family != ConnectFamily.Unknown)
        {
            MilterFrameWriter.WriteUInt16(output, Port);
            MilterFrameWriter.WriteCString(output, Address.Span);
        }
    }
}
