using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>
/// Parses the RHS grammar (cf/README "The value part of the map can contain") the way the rulesets see it: the value is tokenized (whitespace, including a
/// DOS <c>\r</c>, separates tokens; keywords match case-insensitively); quoted text keeps its spacing.
/// </summary>
internal static class AccessValueParser
{
    public static AccessValue Parse(string value, List<string>? warnings)
    {
        var trimmed = value.AsSpan().Trim();
        var unknown = new SmtpReply(553, "5.3.0", Collapse(trimmed));
        if (Is(trimmed, "OK"))
        {
            return new AccessValue(AccessAction.Ok, unknown, null);
        }

        if (Is(trimmed, "RELAY"))
        {
            return new AccessValue(AccessAction.Relay, unknown, null);
        }

        if (Is(trimmed, "REJECT"))
        {
            return new AccessValue(AccessAction.Reject, unknown, null);
        }

        if (Is(trimmed, "DISCARD"))
        {
            return new AccessValue(AccessAction.Discard, unknown, null);
        }

        if (Is(trimmed, "SKIP"))
        {
            return new AccessValue(AccessAction.Skip, unknown, null);
        }

        if (Is(trimmed, "FRIEND"))
        {
            return new AccessValue(AccessAction.Friend, unknown, null);
        }

        if (Is(trimmed, "HATER"))
        {
            return new AccessValue(AccessAction.Hater, unknown, null);
        }

        if (trimmed.StartsWith("ERROR:", StringComparison.OrdinalIgnoreCase))
        {
            return new AccessValue(AccessAction.Error, ParseError(trimmed[6..], warnings), null);
        }

        if (trimmed.StartsWith("QUARANTINE:", StringComparison.OrdinalIgnoreCase))
        {
            var reason = Text(trimmed[11..].Trim());
            if (reason.Length == 0)
            {
                warnings?.Add("QUARANTINE: without a reason");
            }

            return new AccessValue(AccessAction.Quarantine, unknown, reason);
        }

        if (IsCode(trimmed) && (trimmed.Length == 3 || trimmed[3] == ' ' || trimmed[3] == '\t'))
        {
            warnings?.Add("deprecated form \"### text\": write ERROR:\"### text\"");
            return new AccessValue(AccessAction.Error, ParseError(trimmed, warnings), null);
        }

        warnings?.Add($"value \"{unknown.Text}\" is not an access action: Sendmail answers \"{unknown.Line}\"");
        return new AccessValue(AccessAction.Unknown, unknown, null);
    }

    private static SmtpReply ParseError(ReadOnlySpan<char> rest, List<string>? warnings)
    {
        rest = rest.Trim();
        string? dsn = null;
        var colon = rest.IndexOf(':');
        if (colon > 0 && IsEnhancedCode(rest[..colon]))
        {
            dsn = rest[..colon].ToString();
            rest = rest[(colon + 1)..].Trim();
        }

        var text = Text(rest);
        if (text.Length >= 3 && IsCode(text) && (text.Length == 3 || text[3] == ' '))
        {
            var code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
            var message = text.Length > 4 ? text[4..] : string.Empty;
            var space = message.IndexOf(' ', StringComparison.Ordinal);
            var head = space < 0 ? message : message[..space];
            if (IsEnhancedCode(head))
            {
                // err.c takes an enhanced code from the text; an explicit ERROR:D.S.N: wins over it.
                dsn ??= head;
                message = space < 0 ? string.Empty : message[(space + 1)..];
            }

            if (code / 100 is not (4 or 5))
            {
                warnings?.Add($"ERROR code {code} is not a 4xx/5xx failure");
                code = code / 100 < 4 ? 553 : code;
            }

            dsn ??= code / 100 == 4 ? "4.0.0" : "5.0.0";
            if (dsn[0] != text[0])
            {
                warnings?.Add($"enhanced code {dsn} does not match reply class {code}");
            }

            return new SmtpReply(code, dsn, message);
        }

        warnings?.Add("ERROR: without an SMTP reply code: Sendmail answers 553");
        return new SmtpReply(553, dsn ?? "5.3.0", text);
    }

    /// <summary>Quoted text is kept verbatim (minus the quotes); unquoted text is re-joined by the tokenizer.</summary>
    private static string Text(ReadOnlySpan<char> rest)
    {
        if (rest.Length > 0 && rest[0] == '"')
        {
            var close = rest[1..].IndexOf('"');
            return close < 0 ? rest[1..].ToString() : rest.Slice(1, close).ToString();
        }

        return Collapse(rest);
    }

    internal static string Collapse(ReadOnlySpan<char> text)
    {
        var sb = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (IsSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    internal static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n' or '\v' or '\f';

    private static bool Is(ReadOnlySpan<char> value, string keyword) => value.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private static bool IsCode(ReadOnlySpan<char> s) =>
        s.Length >= 3 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && s[0] is >= '2' and <= '5';

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
}
