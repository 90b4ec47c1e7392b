using System.Text;

namespace Milter.Protocol;

/// <summary>
/// A protocol string as the peer sent it: raw bytes, 8-bit clean, no charset (header values and addresses may
/// carry raw 8-bit bytes). Handed to handlers as a view that is valid only until the handler's call returns;
/// <see cref="ToString"/> copies it out (as Latin-1, so every byte round-trips).
/// </summary>
public readonly struct MilterString : IEquatable<MilterString>
{
    public MilterString(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    /// <summary>The raw bytes, without the terminating NUL.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public ReadOnlySpan<byte> Span => Bytes.Span;

    public int Length => Bytes.Length;

    public bool IsEmpty => Bytes.IsEmpty;

    /// <summary>Copies the bytes out as a string (Latin-1: byte n becomes char n).</summary>
    public override string ToString() => Bytes.IsEmpty ? string.Empty : Encoding.Latin1.GetString(Bytes.Span);

    /// <summary>Ordinal comparison with an ASCII/Latin-1 string, without allocating.</summary>
    public bool Equals(string? value, bool ignoreCase = false)
    {
        if (value is null || value.Length != Bytes.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> span = Bytes.Span;
        for (int i = 0; i < span.Length; i++)
        {
            char a = (char)span[i];
            char b = value[i];
            if (a != b && (!ignoreCase || char.ToLowerInvariant(a) != char.ToLowerInvariant(b)))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(MilterString other) => Bytes.Span.SequenceEqual(other.Bytes.Span);

    public override bool Equals(object? obj) => obj is MilterString other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(MilterString left, MilterString right) => left.Equals(right);

    public static bool operator !=(MilterString left, MilterString right) => !left.Equals(right);

    public static implicit operator MilterString(string value) => new(Encoding.Latin1.GetBytes(value));
}
