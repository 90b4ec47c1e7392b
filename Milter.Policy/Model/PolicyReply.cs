namespace Milter.Policy.Model;

/// <summary>
/// The reply the policy gives the SMTP client, as Sendmail shows it: code, enhanced status code and text (the milter
/// adapter hands it to Milter.Protocol's SmtpReply, which formats SMFIR_REPLYCODE). The text never contains the
/// <c>&lt;addr&gt;... </c> prefix that Sendmail itself inserts for MAIL/RCPT replies (err.c fmtmsg). Every
/// line is made fit for the wire (<see cref="ReplyText.Clean(string, int)"/>): no control character, at most
/// <see cref="ReplyText.MaxLines"/> lines of at most <see cref="ReplyText.MaxLineLength"/> characters on the wire.
/// </summary>
public sealed class PolicyReply : IEquatable<PolicyReply>
{
    public PolicyReply(int code, string enhancedCode, string text)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        ArgumentNullException.ThrowIfNull(enhancedCode);
        ArgumentNullException.ThrowIfNull(text);
        Code = code;
        EnhancedCode = enhancedCode;
        var lines = text.Contains('\n', StringComparison.Ordinal) ? text.Split('\n', ReplyText.MaxLines) : [text];
        var prefix = 4 + (enhancedCode.Length > 0 ? enhancedCode.Length + 1 : 0);
        var clean = true;
        for (var i = 0; i < lines.Length; i++)
        {
            var safe = ReplyText.Clean(lines[i], prefix, out var cut);
            IsCut |= cut;
            clean &= ReferenceEquals(safe, lines[i]) || safe == lines[i];
            lines[i] = safe;
        }

        TextLines = lines;
        Text = clean ? text : string.Join('\n', lines);
        Line = string.Concat(code.ToString(System.Globalization.CultureInfo.InvariantCulture), " ", enhancedCode, " ", string.Join("\\n", TextLines));
    }

    public int Code { get; }

    /// <summary>The RFC 3463 status code, e.g. <c>5.7.1</c>.</summary>
    public string EnhancedCode { get; }

    /// <summary>The text; a configured reply may have several lines, separated by <c>\n</c>.</summary>
    public string Text { get; }

    /// <summary>
    /// The text's lines: one for every access-file reply; several for a configured multi-line reply, which goes to
    /// the client as <c>550-5.7.1 first</c> … <c>550 5.7.1 last</c> (SMFIR_REPLYCODE, as smfi_setmlreply).
    /// </summary>
    public string[] TextLines { get; }

    /// <summary><c>"550 5.7.1 Access denied"</c>, on one line (the lines of a multi-line text joined by a literal <c>\n</c>): for logs and traces.</summary>
    public string Line { get; }

    public bool IsTemporary => Code is >= 400 and < 500;

    /// <summary>A line was too long for the wire and was cut (ending in <c>...</c>).</summary>
    public bool IsCut { get; }

    /// <summary>
    /// Parses <c>"NNN D.S.N text"</c> (or <c>"NNN text"</c>: the enhanced code is then the class default, 4.0.0 or 5.0.0)
    /// with a 4xx/5xx code; false for anything else.
    /// </summary>
    public static bool TryParse(string? text, out PolicyReply? reply)
    {
        reply = null;
        var span = (text ?? string.Empty).AsSpan().Trim();
        if (span.Length < 5 || span[3] != ' ' || !int.TryParse(span[..3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            || code is < 400 or >= 600)
        {
            return false;
        }

        var rest = span[4..];
        var space = rest.IndexOf(' ');
        var head = space < 0 ? rest : rest[..space];
        reply = IsEnhancedCode(head)
            ? new PolicyReply(code, head.ToString(), space < 0 ? string.Empty : rest[(space + 1)..].ToString())
            : new PolicyReply(code, code < 500 ? "4.0.0" : "5.0.0", rest.ToString());
        return true;
    }

    /// <summary><c>class.subject.detail</c> with class 2/4/5, 1–3 digits each (RFC 3463).</summary>
    internal static bool IsEnhancedCode(ReadOnlySpan<char> s)
    {
        if (s.Length < 5 || s[0] is not ('2' or '4' or '5') || s[1] != '.')
        {
            return false;
        }

        var parts = 0;
        var digits = 0;
        for (var i = 2; i < s.Length; i++)
        {
            if (char.IsAsciiDigit(s[i]))
            {
                if (++digits > 3)
                {
                    return false;
                }
            }
            else if (s[i] == '.' && digits > 0 && parts == 0)
            {
                parts = 1;
                digits = 0;
            }
            else
            {
                return false;
            }
        }

        return parts == 1 && digits > 0;
    }

    public bool Equals(PolicyReply? other) => other is not null && other.Line == Line;

    public override bool Equals(object? obj) => Equals(obj as PolicyReply);

    public override int GetHashCode() => Line.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Line;
}
