using System.Text;

namespace Milter.Policy.Access;

/// <summary>
/// An access value as Sendmail's rulesets see it (cf/README, the value part of the map): the map result is split into tokens by prescan with the
/// external token table, and the error texts are joined back by cataddr. Hence what an unquoted text looks like in the
/// reply: blanks collapse, a blank survives only between two words (<c>Spam, not welcome!</c> becomes
/// <c>Spam,not welcome!</c>), parenthesised text is a comment and goes; quoted text stays one token as written.
/// </summary>
internal static class RhsTokens
{
    /// <summary>prescan's operators for map values: O OperatorChars (proto.m4 <c>.:%@!^/[]+</c>) and the delimiters
    /// <c>&lt;&gt;,;</c> (parentheses are comment brackets, CR and LF blanks, in the external table).</summary>
    private const string Operators = ".:%@!^/[]+<>,;";

    public static List<string> Tokenize(ReadOnlySpan<char> text)
    {
        var tokens = new List<string>();
        var comment = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (comment > 0 || c is '(' or ')')
            {
                comment += c switch { '(' => 1, ')' when comment > 0 => -1, _ => 0 };
                i += c == '\\' ? 2 : 1;
                continue;
            }

            if (AccessValueParser.IsSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    i += text[i] == '\\' ? 1 : 0;
                }

                i = Math.Min(i + 1, text.Length);
            }
            else if (Operators.Contains(c, StringComparison.Ordinal))
            {
                i++;
            }
            else
            {
                for (; i < text.Length && IsAtomChar(text[i]); i++)
                {
                    i += text[i] == '\\' ? 1 : 0;
                }

                i = Math.Min(i, text.Length);
            }

            tokens.Add(text[start..i].ToString());
        }

        return tokens;
    }

    /// <summary>cataddr(): the tokens from <paramref name="start"/> up to <paramref name="end"/>, a blank only between two words.</summary>
    public static string Join(List<string> tokens, int start, int end)
    {
        var text = new StringBuilder();
        var previousWord = false;
        for (var i = start; i < end; i++)
        {
            var word = tokens[i][0] != '"' && !Operators.Contains(tokens[i][0], StringComparison.Ordinal);
            if (previousWord && word)
            {
                text.Append(' ');
            }

            text.Append(tokens[i]);
            previousWord = word;
        }

        return text.ToString();
    }

    /// <summary>stripquotes(): every double quote goes; a backslash keeps the character after it.</summary>
    public static string StripQuotes(string text)
    {
        if (!text.Contains('"', StringComparison.Ordinal) && !text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

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

    private static bool IsAtomChar(char c) =>
        !AccessValueParser.IsSpace(c) && c is not ('"' or '(' or ')') && !Operators.Contains(c, StringComparison.Ordinal);
}
