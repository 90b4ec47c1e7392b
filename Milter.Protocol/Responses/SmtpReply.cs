using System.Text;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Responses;

/// <summary>
/// Builds and checks the text of SMFIR_REPLYCODE: <c>ddd SP x.y.z SP text</c>, multi-line joined by CRLF with
/// <c>ddd-</c> on every line but the last; the class digit must be 4 or 5 and the enhanced code's class must
/// equal it; <c>%</c> is written <c>%%</c> (Sendmail reads the text as a format string); each line at most 980
/// characters, at most 32 lines, no CR/LF/NUL inside a line.
/// </summary>
public static class SmtpReply
{
    /// <summary>Formats and validates a reply; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static string Format(string replyCode, string? enhancedCode, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(replyCode);
        ArgumentNullException.ThrowIfNull(lines);
        if (replyCode.Length != 3 || replyCode[0] is not ('4' or '5') || !char.IsAsciiDigit(replyCode[1]) || !char.IsAsciiDigit(replyCode[2]))
        {
            throw new ArgumentException($"reply code '{replyCode}' must be three digits starting with 4 or 5", nameof(replyCode));
        }

        if (enhancedCode is not null && !IsEnhancedCode(enhancedCode, replyCode[0]))
        {
            throw new ArgumentException(
                $"enhanced status code '{enhancedCode}' must be {replyCode[0]}.x.y (class equal to the reply code's first digit)",
                nameof(enhancedCode));
        }

        if (lines.Count is 0 or > ProtocolLimits.MaxReplyLines)
        {
            throw new ArgumentException($"a reply has 1 to {ProtocolLimits.MaxReplyLines} lines, not {lines.Count}", nameof(lines));
        }

        var text = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i] ?? throw new ArgumentException($"reply line {i + 1} is null", nameof(lines));
            if (line.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                throw new ArgumentException($"reply line {i + 1} contains CR, LF or NUL", nameof(lines));
            }

            int start = text.Length;
            if (i > 0)
            {
                text.Append("\r\n");
                start = text.Length;
            }

            text.Append(replyCode).Append(i == lines.Count - 1 ? ' ' : '-');
            if (enhancedCode is not null)
            {
                text.Append(enhancedCode).Append(' ');
            }

            text.Append(line.Replace("%", "%%", StringComparison.Ordinal));
            if (text.Length - start > ProtocolLimits.MaxReplyLineLength)
            {
                throw new ArgumentException($"reply line {i + 1} is longer than {ProtocolLimits.MaxReplyLineLength} characters", nameof(lines));
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Checks a complete reply text as the strictest MTA does (Postfix 3.12: every line <c>[45]dd[- ]</c>, same
    /// code, <c>-</c> on all but the last, enhanced class matching). Returns null when valid, else the reason.
    /// </summary>
    public static string? Validate(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "empty reply";
        }

        string[] lines = text.Split("\r\n");
        if (lines.Length > ProtocolLimits.MaxReplyLines)
        {
            return $"more than {ProtocolLimits.MaxReplyLines} lines";
        }

        string? code = null;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length < 4 && !(line.Length == 3 && i == lines.Length - 1))
            {
                return $"line {i + 1} too short";
            }

            if (line[0] is not ('4' or '5') || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]))
            {
                return $"line {i + 1} does not start with a 4xx or 5xx code";
            }

            code ??= line[..3];
            if (!line.StartsWith(code, StringComparison.Ordinal))
            {
                return $"line {i + 1} changes the reply code";
            }

            char separator = line.Length > 3 ? line[3] : ' ';
            if (separator != (i == lines.Length - 1 ? ' ' : '-'))
            {
                return $"line {i + 1} has '{separator}' where '{(i == lines.Length - 1 ? ' ' : '-')}' belongs";
            }

            if (line.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                return $"line {i + 1} contains CR, LF or NUL";
            }

            if (line.Length > ProtocolLimits.MaxReplyLineLength)
            {
                return $"line {i + 1} longer than {ProtocolLimits.MaxReplyLineLength}";
            }

            if (line.Length > 5 && char.IsAsciiDigit(line[4]) && line.Length > 5 && line[5] == '.' && line[4] != code[0])
            {
                return $"line {i + 1}: enhanced status class {line[4]} differs from reply class {code[0]}";
            }
        }

        return null;
    }

    private static bool IsEnhancedCode(string code, char replyClass)
    {
        string[] parts = code.Split('.');
        return parts.Length == 3
            && parts[0].Length == 1 && parts[0][0] == replyClass
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }
}
