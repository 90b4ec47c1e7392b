using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Milter.Protocol.Framing;

/// <summary>Writes milter packets into an <see cref="IBufferWriter{T}"/>; strings are written as Latin-1 bytes + NUL.</summary>
public static class MilterFrameWriter
{
    /// <summary><c>len | code | data</c>.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, byte code, ReadOnlySpan<byte> data)
    {
        Span<byte> span = output.GetSpan(ProtocolLimits.HeaderBytes + data.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)data.Length + 1);
        span[4] = code;
        data.CopyTo(span[ProtocolLimits.HeaderBytes..]);
        output.Advance(ProtocolLimits.HeaderBytes + data.Length);
    }

    /// <summary><c>len | code</c> with no data.</summary>
    public static void WriteEmpty(IBufferWriter<byte> output, byte code) => WriteFrame(output, code, default);

    /// <summary>
    /// Starts a frame whose data length is already known; the caller then writes exactly
    /// <paramref name="dataLength"/> bytes with <see cref="WriteCString(IBufferWriter{byte}, string)"/> and friends.
    /// </summary>
    public static void WriteHeader(IBufferWriter<byte> output, byte code, int dataLength)
    {
        Span<byte> span = output.GetSpan(ProtocolLimits.HeaderBytes);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)dataLength + 1);
        span[4] = code;
        output.Advance(ProtocolLimits.HeaderBytes);
    }

    /// <summary>Bytes a string takes on the wire including its NUL.</summary>
    public static int CStringLength(string value) => value.Length + 1;

    /// <summary>Writes <paramref name="value"/> as Latin-1 bytes followed by NUL (8-bit clean round trip).</summary>
    public static void WriteCString(IBufferWriter<byte> output, string value)
    {
        Span<byte> span = output.GetSpan(value.Length + 1);
        int written = Encoding.Latin1.GetBytes(value, span);
        span[written] = 0;
        output.Advance(written + 1);
    }

    /// <summary>Writes raw bytes followed by NUL.</summary>
    public static void WriteCString(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        Span<byte> span = output.GetSpan(value.Length + 1);
        value.CopyTo(span);
        span[value.Length] = 0;
        output.Advance(value.Length + 1);
    }

    /// <summary>Writes a big-endian uint32.</summary>
    public static void WriteUInt32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    /// <summary>Writes a big-endian uint16.</summary>
    public static void WriteUInt16(IBufferWriter<byte> output, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(output.GetSpan(2), value);
        output.Advance(2);
    }

    /// <summary>Writes one byte.</summary>
    public static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }
}
