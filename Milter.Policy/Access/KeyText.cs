namespace Milter.Policy.Access;

/// <summary>Key folding as makemap does it without <c>-f</c>: ASCII upper case only.</summary>
internal static class KeyText
{
    /// <summary>Keys longer than makemap's line limit can never be in the table.</summary>
    public const int MaxKey = 1024;

    public static int CopyLower(ReadOnlySpan<char> source, Span<char> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            destination[i] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
        }

        return source.Length;
    }
}
