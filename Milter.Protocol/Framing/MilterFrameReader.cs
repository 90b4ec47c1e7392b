using System.Buffers;

namespace Milter.Protocol.Framing;

/// <summary>
/// Splits a byte stream into milter packets: <c>uint32 len (BE, counts the code byte) | code | len-1 bytes</c>.
/// Knows nothing of what the codes mean beyond a caller-supplied validity check.
/// </summary>
public static class MilterFrameReader
{
    /// <summary>
    /// Reads one complete frame. Returns <see langword="false"/> and consumes nothing when the frame is not
    /// complete yet. Throws <see cref="MilterProtocolException"/> on a zero length, on a length over
    /// <paramref name="maxDataSize"/> (before any payload is awaited or allocated) and on a code
    /// <paramref name="isKnownCode"/> refuses.
    /// </summary>
    public static bool TryReadFrame(
        ref SequenceReader<byte> reader,
        int maxDataSize,
        Func<byte, bool> isKnownCode,
        out byte code,
        out ReadOnlySequence<byte> data)
    {
        code = 0;
        data = default;
        if (!reader.TryReadBigEndian(out int rawLength))
        {
            return false;
        }

        uint length = unchecked((uint)rawLength);
        if (length == 0)
        {
            reader.Rewind(ProtocolLimits.LengthBytes);
            MilterProtocolException.Throw(ProtocolViolation.ZeroLength, "packet length 0 (every packet carries a command byte)");
        }

        if (length - 1 > (uint)maxDataSize)
        {
            reader.Rewind(ProtocolLimits.LengthBytes);
            MilterProtocolException.Throw(
                ProtocolViolation.FrameTooLarge,
                $"packet data length {length - 1} exceeds the maximum {maxDataSize}");
        }

        if (!reader.TryRead(out code))
        {
            reader.Rewind(ProtocolLimits.LengthBytes);
            return false;
        }

        if (!isKnownCode(code))
        {
            reader.Rewind(ProtocolLimits.HeaderBytes);
            MilterProtocolException.Throw(ProtocolViolation.UnknownCode, $"unknown code 0x{code:X2} ({Printable(code)})");
        }

        int dataLength = (int)(length - 1);
        if (reader.Remaining < dataLength)
        {
            reader.Rewind(ProtocolLimits.HeaderBytes);
            return false;
        }

        data = reader.UnreadSequence.Slice(0, dataLength);
        reader.Advance(dataLength);
        return true;
    }

    /// <summary>
    /// Same as the <see cref="SequenceReader{T}"/> overload on a whole buffer: on success
    /// <paramref name="buffer"/> is advanced past the frame.
    /// </summary>
    public static bool TryReadFrame(
        ref ReadOnlySequence<byte> buffer,
        int maxDataSize,
        Func<byte, bool> isKnownCode,
        out byte code,
        out ReadOnlySequence<byte> data)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadFrame(ref reader, maxDataSize, isKnownCode, out code, out data))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>Whether <paramref name="code"/> is an MTA-to-milter command byte.</summary>
    public static bool IsCommandCode(byte code) => code switch
    {
        (byte)'A' or (byte)'B' or (byte)'C' or (byte)'D' or (byte)'E' or (byte)'H' or (byte)'K' or (byte)'L'
            or (byte)'M' or (byte)'N' or (byte)'O' or (byte)'Q' or (byte)'R' or (byte)'T' or (byte)'U' => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="code"/> is a milter-to-MTA response byte.</summary>
    public static bool IsResponseCode(byte code) => code switch
    {
        (byte)'+' or (byte)'-' or (byte)'2' or (byte)'4' or (byte)'a' or (byte)'b' or (byte)'c' or (byte)'d'
            or (byte)'e' or (byte)'f' or (byte)'h' or (byte)'i' or (byte)'l' or (byte)'m' or (byte)'p' or (byte)'q'
            or (byte)'r' or (byte)'s' or (byte)'t' or (byte)'y' or (byte)'O' => true,
        _ => false,
    };

    internal static string Printable(byte code) => code is >= 0x21 and < 0x7F ? $"'{(char)code}'" : "non-printable";
}
