using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>
/// Parses the RHS grammar (cf/README "The value part of the map can contain") the way the rulesets see it: the value is split into tokens as prescan does
/// (<see cref="RhsTokens"/>); a keyword is one token (case-insensitive); <c>QUARANTINE:</c>, <c>ERROR:D.S.N:</c> and
/// <c>ERROR:</c> are token patterns; the error text is rendered as buildaddr() and fmtmsg() render it.
/// </summary>
internal static class AccessValueParser
{
    public static AccessValue Parse(string value, List<string>? warnings)
    {
        var tokens = RhsTokens.Tokenize(value);
        if (tokens.Count == 1 && Keyword(tokens[0]) is { } keyword)
        {
            return new AccessValue(keyword, ErrorReply(tokens, 0, tokens.Count, null, null), null);
        }

        var angle = tokens.Contains(">");
        if (tokens.Count >= 3 && Is(tokens[0], "QUARANTINE") && tokens[1] == ":")
        {
            var reason = RhsTokens.Join(tokens, 2, End(tokens, 2, connect: true));
            var addressReason = angle ? RhsTokens.Join(tokens, 2, End(tokens, 2, connect: false)) : null;
            return new AccessValue(AccessAction.Quarantine, ErrorReply(tokens, 0, tokens.Count, null, null), reason, null, addressReason);
        }

        int start;
        string? status = null;
        AccessAction action;
        if (tokens.Count >= 3 && Is(tokens[0], "ERROR") && tokens[1] == ":")
        {
            // R<ERROR:$-.$-.$-:$+>: three single tokens and at least one more after the second colon
            var withStatus = tokens.Count >= 9 && tokens[3] == "." && tokens[5] == "." && tokens[7] == ":";
            status = withStatus ? string.Concat(tokens[2], ".", tokens[4], ".", tokens[6]) : null;
            start = withStatus ? 8 : 2;
            action = AccessAction.Error;
        }
        else if (tokens.Count > 0 && IsCode(tokens[0]) && tokens[0].Length == 3)
        {
            warnings?.Add("deprecated form \"### text\": write ERROR:\"### text\"");
            start = 0;
            action = AccessAction.Error;
        }
        else
        {
            // the generic rule: anything else is an error text as it stands
            var unknown = ErrorReply(tokens, 0, End(tokens, 0, connect: true), null, null);
            warnings?.Add($"value \"{RhsTokens.Join(tokens, 0, tokens.Count)}\" is not an access action: Sendmail answers \"{unknown.Line}\"");
            return new AccessValue(AccessAction.Unknown, unknown, null,
                angle ? ErrorReply(tokens, 0, End(tokens, 0, connect: false), null, null) : null);
        }

        LintText(value, tokens, start, warnings);
        var reply = ErrorReply(tokens, start, End(tokens, start, connect: true), status, warnings);
        if (angle)
        {
            warnings?.Add("an unquoted '>' in the text: a From: or To: entry's reply ends before it (quote the text)");
        }

        return new AccessValue(action, reply, null, angle ? ErrorReply(tokens, start, End(tokens, start, connect: false), status, null) : null);
    }

    /// <summary>
    /// Where the rulesets' <c>$+</c> ends the text that starts at <paramref name="start"/>: check_relay matches
    /// <c>&lt;ERROR:$+&gt; &lt;$*&gt;</c> (the first '&gt;' followed by '&lt;', the value's end at the latest), check_mail and
    /// blocklist_recipients <c>&lt;ERROR:$+&gt; $*</c> (the first '&gt;'). At least one token is taken.
    /// </summary>
    private static int End(List<string> tokens, int start, bool connect)
    {
        for (var k = start + 1; k < tokens.Count; k++)
        {
            if (tokens[k] == ">" && (!connect || (k + 1 < tokens.Count && tokens[k + 1] == "<")))
            {
                return k;
            }
        }

        return tokens.Count;
    }

    /// <summary>
    /// buildaddr()'s error branch and fmtmsg(): the text is the tokens from <paramref name="start"/> joined, quotes
    /// stripped. <c>NNN D.S.N text</c> gives that reply (the text's enhanced code wins over <paramref name="status"/>);
    /// <c>NNN text</c> takes <paramref name="status"/>, else the class default (4.0.0, 5.0.0); anything else, a bare
    /// code included, is <c>553 5.3.0 text</c>.
    /// </summary>
    private static PolicyReply ErrorReply(List<string> tokens, int start, int end, string? status, List<string>? warnings)
    {
        var text = RhsTokens.StripQuotes(RhsTokens.Join(tokens, start, end));
        if (text.Length < 4 || !IsCode(text) || text[3] != ' ')
        {
            warnings?.Add("ERROR: without an SMTP reply code: Sendmail answers 553");
            return new PolicyReply(553, "5.3.0", text);
        }

        var code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
        var message = text[4..];
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        string enhanced;
        if (space > 0 && PolicyReply.IsEnhancedCode(message.AsSpan(0, space)))
        {
            if (status is not null && status != message[..space])
            {
                warnings?.Add($"the text's enhanced code {message[..space]} wins over ERROR:{status}:");
            }

            enhanced = message[..space];
            message = message[(space + 1)..];
        }
        else
        {
            enhanced = status is not null && PolicyReply.IsEnhancedCode(status) ? status : code / 100 == 4 ? "4.0.0" : "5.0.0";
        }

        if (code / 100 is not (4 or 5))
        {
            warnings?.Add($"ERROR code {code} is not a 4xx/5xx failure");
            code = 553;
        }
        else if (enhanced[0] != text[0])
        {
            warnings?.Add($"enhanced code {enhanced} does not match reply class {code}");
        }

        return new PolicyReply(code, enhanced, message);
    }

    /// <summary>An unquoted text Sendmail re-spaces (words joined to punctuation, a parenthesised comment dropped).</summary>
    private static void LintText(string value, List<string> tokens, int start, List<string>? warnings)
    {
        if (warnings is null || start >= tokens.Count || tokens[start][0] == '"')
        {
            return;
        }

        var written = Collapse(value.AsSpan(value.IndexOf(tokens[start], StringComparison.Ordinal)));
        var rendered = RhsTokens.Join(tokens, start, tokens.Count);
        if (written != rendered)
        {
            warnings.Add($"unquoted text \"{written}\" reaches the client as \"{rendered}\": quote it to keep it as written");
        }
    }

    private static AccessAction? Keyword(string token) => token.ToUpperInvariant() switch
    {
        "OK" => AccessAction.Ok,
        "RELAY" => AccessAction.Relay,
        "REJECT" => AccessAction.Reject,
        "DISCARD" => AccessAction.Discard,
        "SKIP" => AccessAction.Skip,
        "FRIEND" => AccessAction.Friend,
        "HATER" => AccessAction.Hater,
        _ => null,
    };

    private static bool Is(string token, string keyword) => token.Equals(keyword, StringComparison.OrdinalIgnoreCase);

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

    private static bool IsCode(string s) => IsCode(s.AsSpan());

    private static bool IsCode(ReadOnlySpan<char> s) =>
        s.Length >= 3 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && s[0] is >= '2' and <= '5';
}
