namespace Milter.Policy.Model;

/// <summary>
/// An SMTP reply as Sendmail shows it: code, enhanced status code and text. The text never contains the
/// <c>&lt;addr&gt;... </c> prefix that Sendmail itself inserts for 450/550/553 replies (err.c fmtmsg).
/// </summary>
public sealed class SmtpReply : IEquatable<SmtpReply>
{
    public SmtpReply(int code, string enhancedCode, string text)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        Code = code;
        EnhancedCode = enhancedCode;
        Text = text;
        TextLines = text.Contains('\n', StringComparison.Ordinal) ? text.Split('\n') : [text];
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

    public bool Equals(SmtpReply? other) => other is not null && other.Line == Line;

    public override bool Equals(object? obj) => Equals(obj as SmtpReply);

    public override int GetHashCode() => Line.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Line;
}
