using System.Globalization;

namespace Milter.Protocol.Tests.Support;

/// <summary>Reads Python <c>bytes</c> reprs (<c>b'a\x00b'</c>, <c>b"it's"</c>) as the packet logs of Captures/ print them.</summary>
public static class PythonBytes
{
    /// <summary>Every bytes literal in <paramref name="text"/>, in order.</summary>
    public static List<byte[]> All(string text)
    {
        var found = new List<byte[]>();
        for (int i = 0; i < text.Length - 1; i++)
        {
            if (text[i] == 'b' && (text[i + 1] is '\'' or '"') && (i == 0 || !char.IsLetterOrDigit(text[i - 1])))
            {
                found.Add(Read(text, i + 1, out int end));
                i = end;
            }
        }

        return found;
    }

    private static byte[] Read(string text, int quoteAt, out int end)
    {
        char quote = text[quoteAt];
        var bytes = new List<byte>();
        for (int i = quoteAt + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == quote)
            {
                end = i;
                return [.. bytes];
            }

            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 't': bytes.Add((byte)'\t'); break;
                default: bytes.Add((byte)e); break; // \\ \' \"
            }
        }

        throw new FormatException($"unterminated bytes literal in: {text}");
    }
}
