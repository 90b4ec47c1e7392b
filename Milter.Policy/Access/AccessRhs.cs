using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>
/// The right-hand side of an access line, parsed once: a million-line file has a few dozen distinct values (REJECT,
/// OK, RELAY, a handful of ERROR texts), so lines with the same text share one instance, its reply and its warnings.
/// </summary>
internal sealed class AccessRhs
{
    private AccessRhs(string value, in AccessValue parsed, string[] valueWarnings, string[] trailingWarnings, string? problem)
    {
        Problem = problem;
        Value = value;
        Action = parsed.Action;
        Reply = parsed.Reply;
        QuarantineReason = parsed.QuarantineReason;
        AddressReply = parsed.AddressReply ?? parsed.Reply;
        AddressQuarantineReason = parsed.AddressQuarantineReason ?? parsed.QuarantineReason;
        ValueWarnings = valueWarnings;
        TrailingWarnings = trailingWarnings;
    }

    /// <summary>The value verbatim, internal and trailing blanks (and a DOS <c>\r</c>) kept.</summary>
    public string Value { get; }

    public AccessAction Action { get; }

    public PolicyReply Reply { get; }

    public string? QuarantineReason { get; }

    /// <summary>The reply when a From: or To: check finds the value (the text ends at an unquoted '&gt;', see <see cref="AccessValue"/>).</summary>
    public PolicyReply AddressReply { get; }

    public string? AddressQuarantineReason { get; }

    /// <summary>Why the value is refused (an error of its line, the file is not loaded), or null.</summary>
    public string? Problem { get; }

    /// <summary>Lint from the RHS grammar (<see cref="AccessValueParser"/>), reported before the key's lint.</summary>
    public string[] ValueWarnings { get; }

    /// <summary>Lint on the raw text (DOS line end, <c>#</c> in the value), reported after the key's lint.</summary>
    public string[] TrailingWarnings { get; }

    public static AccessRhs Parse(string value)
    {
        var warnings = new List<string>();
        var parsed = AccessValueParser.Parse(value, warnings);
        var trailing = new List<string>();
        if (value.EndsWith('\r'))
        {
            trailing.Add("line ends in CR (DOS line end): makemap stores the value with a trailing \\r");
        }

        var hash = value.IndexOf('#', StringComparison.Ordinal);
        if (hash > 0 && AccessValueParser.IsSpace(value[hash - 1]))
        {
            trailing.Add("'#' inside the value is not a comment: it is part of the value");
        }

        return new AccessRhs(value, parsed, [.. warnings], [.. trailing], FindProblem(value, parsed));
    }

    /// <summary>
    /// A control character inside the value (trailing blanks and a DOS <c>\r</c> aside; TAB is a blank) would reach an
    /// SMTP reply or the quarantine reason; a reply text too long for one reply line would be cut. Both are refused.
    /// </summary>
    private static string? FindProblem(string value, in AccessValue parsed)
    {
        var body = value.AsSpan().TrimEnd(" \t\r\n\v\f");
        foreach (var c in body)
        {
            if (char.IsControl(c) && c != '\t')
            {
                return $"value contains the control character {ReplyText.Quote([c])}: refused (it would reach an SMTP reply)";
            }
        }

        if (parsed.Action == AccessAction.Error && parsed.Reply.IsCut)
        {
            return $"reply text too long: an SMTP reply line holds at most {ReplyText.MaxLineLength} characters";
        }

        return null;
    }
}
