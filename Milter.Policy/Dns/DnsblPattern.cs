namespace Milter.Policy.Dns;

/// <summary>
/// An enhdnsbl result pattern, matched label by label as Sendmail's rule left-hand side matches tokens: a literal
/// label (case-insensitive), <c>$-</c> exactly one label, <c>$+</c> one or more, <c>$*</c> zero or more. Trailing dots
/// are ignored on both sides (the map appends one: <c>127.0.0.2.</c>).
/// </summary>
public sealed class DnsblPattern
{
    private readonly string[] _labels;

    private DnsblPattern(string text, string[] labels)
    {
        Text = text;
        _labels = labels;
    }

    public string Text { get; }

    public static bool TryParse(string? text, out DnsblPattern? pattern, out string? error)
    {
        pattern = null;
        var trimmed = (text ?? string.Empty).Trim().TrimEnd('.');
        if (trimmed.Length == 0)
        {
            error = "an empty pattern";
            return false;
        }

        var labels = trimmed.Split('.');
        foreach (var label in labels)
        {
            if (label.Length == 0 || label.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || (label[0] == '$' && label is not ("$-" or "$+" or "$*")))
            {
                error = $"'{text}' is not a result pattern (labels, $-, $+ or $*, separated by dots)";
                return false;
            }
        }

        error = null;
        pattern = new DnsblPattern(text!.Trim(), labels);
        return true;
    }

    /// <summary>Whether the record data <paramref name="value"/> (<c>127.0.0.2</c>) matches.</summary>
    public bool Matches(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var labels = value.Trim().TrimEnd('.').Split('.');
        return Match(0, labels, 0);
    }

    private bool Match(int p, string[] value, int v)
    {
        if (p == _labels.Length)
        {
            return v == value.Length;
        }

        switch (_labels[p])
        {
            case "$-":
                return v < value.Length && Match(p + 1, value, v + 1);
            case "$+":
            case "$*":
                for (var end = _labels[p] == "$+" ? v + 1 : v; end <= value.Length; end++)
                {
                    if (Match(p + 1, value, end))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return v < value.Length && string.Equals(_labels[p], value[v], StringComparison.OrdinalIgnoreCase) && Match(p + 1, value, v + 1);
        }
    }

    public override string ToString() => Text;
}
