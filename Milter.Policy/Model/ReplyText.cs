using System.Text;

namespace Milter.Policy.Model;

/// <summary>
/// Keeps reply texts fit for the wire (issue: a CR in <c>MAIL FROM:&lt;foo\rbar&gt;</c> quoted back into a reply made the
/// milter reply unencodable and dropped the connection). <see cref="Quote"/> escapes what a client wrote before it is
/// put into a text; <see cref="PolicyReply"/> passes every line through <see cref="Clean(string, int)"/>, so no CR, LF, NUL or other
/// control character and no over-long line reaches SMFIR_REPLYCODE, whatever the source.
/// </summary>
public static class ReplyText
{
    /// <summary>The longest reply line on the wire, code and enhanced code included (Milter.Protocol's ProtocolLimits, as libmilter).</summary>
    public const int MaxLineLength = 980;

    /// <summary>The most lines in one reply (as libmilter's smfi_setmlreply).</summary>
    public const int MaxLines = 32;

    /// <summary>
    /// A value a client wrote (an address, a name), ready to be quoted in a reply: control characters (CR, LF, NUL, TAB,
    /// the other C0 characters and DEL) become <c>\r</c>, <c>\n</c>, <c>\0</c>, <c>\t</c> or <c>\xHH</c>.
    /// </summary>
    public static string Quote(ReadOnlySpan<char> value) => Escape(value, keepTab: false);

    private static string Escape(ReadOnlySpan<char> value, bool keepTab)
    {
        if (!HasControl(value, keepTab))
        {
            return value.ToString();
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (keepTab && c == '\t')
            {
                sb.Append(c);
            }
            else
            {
                Append(sb, c);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// One reply line made safe: control characters but TAB (which RFC 5321 allows in reply text) escaped as
    /// <see cref="Quote"/> does, and the line cut (with
    /// <c>...</c>) so that <c>NNN D.S.N line</c>, each <c>%</c> counted twice as the wire doubles it, fits <see cref="MaxLineLength"/>.
    /// </summary>
    public static string Clean(string line, int prefixLength) => Clean(line, prefixLength, out _);

    /// <inheritdoc cref="Clean(string, int)"/>
    public static string Clean(string line, int prefixLength, out bool cut)
    {
        ArgumentNullException.ThrowIfNull(line);
        var budget = MaxLineLength - prefixLength;
        var quoted = Escape(line, keepTab: true);
        cut = WireLength(quoted) > budget;
        if (!cut)
        {
            return quoted;
        }

        var sb = new StringBuilder(budget);
        var used = 0;
        foreach (var c in quoted)
        {
            var width = c == '%' ? 2 : 1;
            if (used + width > budget - 3)
            {
                break;
            }

            sb.Append(c);
            used += width;
        }

        return sb.Append("...").ToString();
    }

    /// <summary>Whether <paramref name="value"/> holds a control character (C0, DEL or C1), TAB counted unless <paramref name="keepTab"/>.</summary>
    public static bool HasControl(ReadOnlySpan<char> value, bool keepTab = false)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(keepTab && c == '\t'))
            {
                return true;
            }
        }

        return false;
    }

    private static int WireLength(string text) => text.Length + text.AsSpan().Count('%');

    private static void Append(StringBuilder sb, char c)
    {
        switch (c)
        {
            case '\r':
                sb.Append("\\r");
                break;
            case '\n':
                sb.Append("\\n");
                break;
            case '\0':
                sb.Append("\\0");
                break;
            case '\t':
                sb.Append("\\t");
                break;
            default:
                if (char.IsControl(c))
                {
                    sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(c);
                }

                break;
        }
    }
}
