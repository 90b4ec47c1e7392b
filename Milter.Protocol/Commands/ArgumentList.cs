namespace Milter.Protocol.Commands;

/// <summary>A sequence of NUL-terminated strings (ESMTP arguments, macro pairs) enumerated without allocating.</summary>
public readonly struct ArgumentList
{
    private readonly ReadOnlyMemory<byte> _block;

    /// <param name="block">Strings each followed by NUL; validated by the caller.</param>
    /// <param name="count">Number of strings in the block.</param>
    internal ArgumentList(ReadOnlyMemory<byte> block, int count)
    {
        _block = block;
        Count = count;
    }

    public int Count { get; }

    public Enumerator GetEnumerator() => new(_block);

    /// <summary>Copies the arguments out as strings.</summary>
    public string[] ToArray()
    {
        var result = new string[Count];
        int i = 0;
        foreach (MilterString s in this)
        {
            result[i++] = s.ToString();
        }

        return result;
    }

    /// <summary>Counts NUL-terminated strings; throws when the block does not end with NUL.</summary>
    internal static int CountStrings(ReadOnlySpan<byte> block, string what)
    {
        if (block.IsEmpty)
        {
            return 0;
        }

        if (block[^1] != 0)
        {
            MilterProtocolException.Throw(ProtocolViolation.MissingNul, $"{what}: last argument is not NUL-terminated");
        }

        return block.Count((byte)0);
    }

    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _block;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> block)
        {
            _block = block;
            _position = 0;
            Current = default;
        }

        public MilterString Current { get; private set; }

        public bool MoveNext()
        {
            if (_position >= _block.Length)
            {
                return false;
            }

            int nul = _block.Span[_position..].IndexOf((byte)0);
            Current = new MilterString(_block.Slice(_position, nul));
            _position += nul + 1;
            return true;
        }
    }
}
