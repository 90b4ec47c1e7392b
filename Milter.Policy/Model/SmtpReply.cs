namespace Milter.Policy.Model;

/// <summary>
/// An SMTP reply as Sendmail shows it: code, enhanced status code and text. The text never contains the
/// <c>&lt;addr&gt;... </c> prefix that Sendmail itself inserts for MAIL/RCPT replies (spec §1.5 "Wire form").
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
        Line = string.Concat(code.ToString(System.Globalization.CultureInfo.InvariantCulture), " ", enhancedCode, " ", text);
    }

    public int Code { get; }

    /// <summary>The RFC 3463 status code, e.g. <c>5.7.1</c>.</summary>
    public string EnhancedCode { get; }

    public string Text { get; }

    /// <summary><c>"550 5.7.1 Access denied"</c>: what the adapter passes to <c>SMFIR_REPLYCODE</c>.</summary>
    public string Line { get; }

    public bool IsTemporary => Code is >= 400 and < 500;

    public bool Equals(SmtpReply? other) => other is not null && other.Line == Line;

    public override bool Equals(object? obj) => Equals(obj as SmtpReply);

    public override int GetHashCode() => Line.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Line;
}
