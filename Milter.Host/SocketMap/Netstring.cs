using System.Buffers;
using System.Text;

namespace Milter.Host.SocketMap;

/// <summary>
/// Netstrings as Sendmail's socket map speaks them (op.txt "socket map"; cr.yp.to/proto/netstrings.txt):
/// <c>LEN ":" DATA ","</c>, LEN decimal without sign.
/// </summary>
internal static class Netstring
{
    /// <summary>Longest request we take: map name, space, a client address (Sendmail's keys are far shorter).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// Reads one netstring from the front of <paramref name="buffer"/>: <see cref="OperationStatus.Done"/> (consumed
    /// from <paramref name="buffer"/>), <see cref="OperationStatus.NeedMoreData"/> (nothing consumed) or
    /// <see cref="OperationStatus.InvalidData"/> (not a netstring, or longer than <see cref="MaxLength"/>).
    /// </summary>
    public static OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out string? payload)
    {
        payload = null;
        var reader = new SequenceReader<byte>(buffer);
        int length = 0;
        int digits = 0;
        while (true)
        {
            if (!reader.TryRead(out byte b))
            {
                return OperationStatus.NeedMoreData;
            }

            if (b == (byte)':')
            {
                break;
            }

            if (b is < (byte)'0' or > (byte)'9' || ++digits > 5)
            {
                return OperationStatus.InvalidData;
            }

            length = (length * 10) + (b - '0');
        }

        if (digits == 0 || length > MaxLength)
        {
            return OperationStatus.InvalidData;
        }

        if (reader.Remaining < length + 1)
        {
            return OperationStatus.NeedMoreData;
        }

        ReadOnlySequence<byte> data = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        reader.TryRead(out byte comma);
        if (comma != (byte)',')
        {
            return OperationStatus.InvalidData;
        }

        payload = Encoding.ASCII.GetString(data);
        buffer = buffer.Slice(reader.Position);
        return OperationStatus.Done;
    }

    // LEN ":" DATA ","
    public static byte[] Encode(string payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, payload);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="payload"/> (ASCII) as one netstring.</summary>
    public static void Write(IBufferWriter<byte> output, string payload)
    {
        int length = Encoding.ASCII.GetByteCount(payload);
        Span<byte> span = output.GetSpan(length + 12);
        length.TryFormat(span, out int digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        span[digits] = (byte)':';
        Encoding.ASCII.GetBytes(payload, span[(digits + 1)..]);
        span[digits + 1 + length] = (byte)',';
        output.Advance(digits + length + 2);
    }
}
