using System.Buffers.Binary;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>Writes XDR 4-byte units into a caller's buffer (replies are a few words; the buffer is sized for the largest).</summary>
internal ref struct XdrWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _length;

    public readonly int Length => _length;

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(_length, 4), value);
        _length += 4;
    }
}
