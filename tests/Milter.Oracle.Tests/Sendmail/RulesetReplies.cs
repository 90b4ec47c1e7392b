using System.Text;
using Milter.Oracle.Tests.Comparison;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>
/// What Sendmail does with the workspace a check ruleset returns, written from its C source: <c>rscheck()</c>
/// (parseaddr.c: <c>$#discard</c>, <c>$#error $@ quarantine $: reason</c>, any other <c>$#mailer</c> accepts),
/// <c>buildaddr()</c>'s error-mailer branch (the <c>$:</c> tokens joined, quotes stripped, a leading <c>NNN </c> taken
/// as the reply code, an enhanced code in the text winning over <c>$@</c>, anything else <c>553 5.3.0 text</c>) and
/// <c>fmtmsg()</c> (err.c: the default enhanced code from the reply's first digit). The tests in ReplyTranslationTests
/// hold this translation against real <c>sendmail -bs</c> sessions.
/// </summary>
internal static class RulesetReplies
{
    /// <summary>Sendmail's default <c>O OperatorChars</c> (proto.m4) plus the delimiters prescan always adds.</summary>
    public const string DefaultOperators = ".:%@!^/[]+" + "()<>,;\r\n";

    /// <param name="tokens">The returned workspace as -bt prints it, split by <see cref="SplitPrinted"/>.</param>
    /// <param name="rulesetName">The ruleset called (rscheck's default quarantine reason).</param>
    /// <param name="operators">The operator characters of the .cf (<see cref="DefaultOperators"/>).</param>
    public static StageOutcome Translate(IReadOnlyList<string> tokens, string rulesetName, string operators = DefaultOperators)
    {
        if (tokens.Count < 2 || tokens[0] != "$#")
        {
            return StageOutcome.Ok;
        }

        switch (tokens[1])
        {
            case "discard":
                return StageOutcome.Discard;
            case not "error":
                return StageOutcome.Ok;
        }

        if (tokens.Count > 3 && tokens[2] == "$@" && tokens[3] == "quarantine")
        {
            return tokens.Count < 6 || tokens[4] != "$:"
                ? StageOutcome.Quarantine(rulesetName)
                : StageOutcome.Quarantine(Join(tokens.Skip(5), " ", operators));
        }

        var i = 2;
        string? host = null;
        if (i < tokens.Count && tokens[i] == "$@")
        {
            var start = ++i;
            while (i < tokens.Count && tokens[i] != "$:")
            {
                i++;
            }

            // cataddr(hostp, ..., '\0') joins with SpaceSub (BlankSub, '.'); a status code has no adjacent atoms anyway
            host = Join(tokens.Skip(start).Take(i - start), ".", operators);
        }

        while (i < tokens.Count && tokens[i] != "$:")
        {
            i++;
        }

        if (i == tokens.Count)
        {
            return StageOutcome.Refusal("554 5.3.5 buildaddr: no user");
        }

        var user = StripQuotes(Join(tokens.Skip(i + 1), " ", operators));
        return StageOutcome.Refusal(ErrorLine(user, host));
    }

    /// <summary>buildaddr's error branch and fmtmsg for the user part <paramref name="user"/> and <c>$@</c> value <paramref name="host"/>.</summary>
    public static string ErrorLine(string user, string? host)
    {
        if (user.Length > 3 && IsSmtpCode(user) && user[3] == ' ')
        {
            var code = user[..3];
            var enhanced = EnhancedCodeLength(user, 4, ' ');
            if (enhanced > 0)
            {
                return code + " " + user.Substring(4, enhanced) + " " + user[(4 + enhanced + 1)..];
            }

            var status = host is not null && EnhancedCodeLength(host, 0, '\0') > 0 ? host : DefaultStatus(code[0]);
            return status is null ? code + " " + user[4..] : code + " " + status + " " + user[4..];
        }

        return "553 5.3.0 " + user;
    }

    /// <summary>Splits a workspace as printav prints it: tokens separated by one blank, a quoted token kept whole.</summary>
    public static List<string> SplitPrinted(string printed)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < printed.Length)
        {
            if (printed[i] == ' ')
            {
                i++;
                continue;
            }

            var start = i;
            if (printed[i] == '"')
            {
                i = printed.IndexOf('"', i + 1);
                i = i < 0 ? printed.Length : i + 1;
            }

            while (i < printed.Length && printed[i] != ' ')
            {
                i++;
            }

            tokens.Add(printed[start..i]);
        }

        return tokens;
    }

    /// <summary>cataddr(): a separator only between two atoms (a token that is neither an operator nor quoted).</summary>
    private static string Join(IEnumerable<string> tokens, string separator, string operators)
    {
        var text = new StringBuilder();
        var previousAtom = false;
        foreach (var token in tokens)
        {
            var atom = token.Length > 0 && token[0] != '"' && operators.IndexOf(token[0], StringComparison.Ordinal) < 0;
            if (previousAtom && atom)
            {
                text.Append(separator);
            }

            text.Append(token);
            previousAtom = atom;
        }

        return text.ToString();
    }

    /// <summary>stripquotes(): every double quote goes, a backslash keeps the character after it.</summary>
    private static string StripQuotes(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                result.Append(text[++i]);
            }
            else if (text[i] != '"')
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }

    private static bool IsSmtpCode(string text) => char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]);

    /// <summary>usrerr(): the enhanced code a reply gets when it names none.</summary>
    private static string? DefaultStatus(char first) => first switch
    {
        '5' or '6' => "5.0.0",
        '4' or '8' => "4.0.0",
        '2' => "2.0.0",
        _ => null,
    };

    /// <summary>isenhsc(): <c>[245].d{1,3}.d{1,3}</c> followed by <paramref name="delimiter"/> ('\0' = end of text); its length or 0.</summary>
    private static int EnhancedCodeLength(string text, int start, char delimiter)
    {
        int At(int index) => start + index < text.Length ? text[start + index] : '\0';
        if (At(0) is not ('2' or '4' or '5') || At(1) != '.')
        {
            return 0;
        }

        var length = 2;
        for (var part = 0; part < 2; part++)
        {
            var digits = 0;
            while (digits < 3 && char.IsAsciiDigit((char)At(length + digits)))
            {
                digits++;
            }

            if (digits == 0 || At(length + digits) != (part == 0 ? '.' : delimiter))
            {
                return 0;
            }

            length += digits + (part == 0 ? 1 : 0);
        }

        return length;
    }
}
