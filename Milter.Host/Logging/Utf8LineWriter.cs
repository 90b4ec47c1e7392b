using System.Buffers.Text;
using System.Text;

namespace Milter.Host.Logging;

/// <summary>
/// Writes one log line into a fixed UTF-8 span without allocating: ASCII constants, text (control characters become
/// spaces, so a value can never start a second line) and integers. What does not fit is cut off; the line end always fits.
/// </summary>
internal ref struct Utf8LineWriter
{
    private readonly Span<byte> _line;
    private readonly Span<byte> _buffer;
    private int _position;

    /// <param name="line">At least one byte: the last is kept for the line end.</param>
    public Utf8LineWriter(Span<byte> line)
    {
        _line = line;
        _buffer = line[..^1];
        _position = 0;
    }

    public readonly int Length => _position;

    /// <summary>Upper bound of the UTF-8 bytes <paramref name="text"/> takes.</summary>
    public static int MaxBytes(string? text) => text is null ? 0 : text.Length * 3;

    public void Append(ReadOnlySpan<byte> ascii)
    {
        int n = Math.Min(ascii.Length, _buffer.Length - _position);
        ascii[..n].CopyTo(_buffer[_position..]);
        _position += n;
    }

    public void Append(byte b)
    {
        if (_position < _buffer.Length)
        {
            _buffer[_position++] = b;
        }
    }

    /// <summary>Text as UTF-8, with CR, LF and every other control character written as a space.</summary>
    public void AppendText(ReadOnlySpan<char> text)
    {
        Span<byte> free = _buffer[_position..];
        int written;
        if (free.Length >= text.Length * 3)
        {
            written = Encoding.UTF8.GetBytes(text, free);
        }
        else
        {
            // Cut at a character boundary: encode what fits.
            Encoder encoder = Encoding.UTF8.GetEncoder();
            encoder.Convert(text, free, flush: true, out _, out written, out _);
        }

        Span<byte> done = free[..written];
        for (int i = 0; i < done.Length; i++)
        {
            if (done[i] < 0x20 || done[i] == 0x7F)
            {
                done[i] = (byte)' '; // UTF-8 continuation bytes are >= 0x80: this never splits a character
            }
        }

        _position += written;
    }

    public void Append(long value)
    {
        if (Utf8Formatter.TryFormat(value, _buffer[_position..], out int written))
        {
            _position += written;
        }
    }

    /// <summary>Ends the line with <c>\n</c> and returns its length, line end included.</summary>
    public int Finish()
    {
        _line[_position] = (byte)'\n';
        return _position + 1;
    }
}
