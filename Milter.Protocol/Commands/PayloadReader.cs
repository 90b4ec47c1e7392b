namespace Milter.Protocol.Commands;

/// <summary>Bounds-checked cursor over one packet's data: C strings, integers, single bytes.</summary>
internal ref struct PayloadReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly string _what;
    private int _position;

    public PayloadReader(ReadOnlyMemory<byte> memory, string what)
    {
        _memory = memory;
        _what = what;
        _position = 0;
    }

    public readonly int Remaining => _memory.Length - _position;

    public readonly bool End => _position >= _memory.Length;

    /// <summary>Bytes up to the next NUL; throws <see cref="ProtocolViolation.MissingNul"/> when there is none.</summary>
    public ReadOnlyMemory<byte> ReadCString(string field)
    {
        int nul = _memory.Span[_position..].IndexOf((byte)0);
        if (nul < 0)
        {
            MilterProtocolException.Throw(ProtocolViolation.MissingNul, $"{_what}: {field} is not NUL-terminated");
        }

        ReadOnlyMemory<byte> value = _memory.Slice(_position, nul);
        _position += nul + 1;
        return value;
    }

    public byte ReadByte(string field)
    {
        if (Remaining < 1)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"{_what}: {field} missing");
        }

        return _memory.Span[_position++];
    }

    public ushort ReadUInt16(string field)
    {
        if (Remaining < 2)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"{_what}: {field} truncated");
        }

        ushort value = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_memory.Span[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32(string field)
    {
        if (Remaining < 4)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"{_what}: {field} truncated");
        }

        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(_memory.Span[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlyMemory<byte> ReadRest()
    {
        ReadOnlyMemory<byte> rest = _memory[_position..];
        _position = _memory.Length;
        return rest;
    }
}
