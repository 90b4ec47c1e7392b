using System.Buffers.Binary;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// Reads XDR (RFC 4506) from one datagram: big-endian 4-byte units, opaques padded to a multiple of 4. Every read
/// checks the length first and reports a short datagram as <c>false</c>, never an exception.
/// </summary>
internal ref struct XdrReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    // unsigned int / enum: 4 bytes, big-endian (RFC 4506 §4.2)
    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return true;
    }

    // opaque<max>: uint32 length, the bytes, zero padding to 4 (RFC 4506 §4.10)
    public bool TryReadOpaque(int maxLength, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryReadUInt32(out uint length) || length > (uint)maxLength)
        {
            return false;
        }

        int padded = (int)((length + 3) & ~3u);
        if (Remaining < padded)
        {
            return false;
        }

        value = _data.Slice(_position, (int)length);
        _position += padded;
        return true;
    }
}
