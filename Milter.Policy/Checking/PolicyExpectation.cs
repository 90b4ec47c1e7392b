using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>
/// An <c>expect</c> value: <c>continue</c>, <c>accept</c>, <c>pass</c> (continue or accept), <c>discard</c>,
/// <c>quarantine [reason]</c>, <c>reject</c> (any 5xx), <c>tempfail</c> (any 4xx), or a reply
/// <c>NNN [D.S.N [text]]</c> compared on the parts given (text exactly).
/// </summary>
public sealed class PolicyExpectation
{
    private PolicyExpectation(string text) => Text = text;

    public string Text { get; }

    public static bool TryParse(string text, out PolicyExpectation expectation, out string? error)
    {
        text = text.Trim();
        expectation = new PolicyExpectation(text);
        error = null;
        var word = text.Split(' ', 2)[0].ToLowerInvariant();
        if (word is "continue" or "accept" or "pass" or "discard" or "quarantine" or "reject" or "tempfail")
        {
            return true;
        }

        if (word.Length == 3 && word.All(char.IsAsciiDigit) && word[0] is '4' or '5')
        {
            return true;
        }

        error = $"expect: '{text}' is not continue|accept|pass|discard|quarantine [reason]|reject|tempfail|NNN [D.S.N [text]]";
        return false;
    }

    public bool Matches(in Verdict verdict)
    {
        var parts = Text.Split(' ', 2);
        var word = parts[0].ToLowerInvariant();
        switch (word)
        {
            case "continue":
                return verdict.Action == VerdictAction.Continue;
            case "accept":
                return verdict.Action == VerdictAction.Accept;
            case "pass":
                return verdict.Action is VerdictAction.Continue or VerdictAction.Accept;
            case "discard":
                return verdict.Action == VerdictAction.Discard;
            case "quarantine":
                return verdict.Action == VerdictAction.Quarantine && (parts.Length == 1 || parts[1].Trim() == verdict.QuarantineReason);
            case "reject":
                return verdict.Action == VerdictAction.Reject;
            case "tempfail":
                return verdict.Action == VerdictAction.TempFail;
        }

        if (verdict.Reply is not { } reply || reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) != word)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            return true;
        }

        var rest = parts[1].TrimStart().Split(' ', 2);
        if (rest[0] != reply.EnhancedCode)
        {
            return false;
        }

        return rest.Length == 1 || rest[1] == reply.Text;
    }

    public override string ToString() => Text;
}
