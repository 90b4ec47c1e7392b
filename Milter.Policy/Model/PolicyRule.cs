namespace Milter.Policy.Model;

/// <summary>A line of a policy file that can decide a verdict: an access entry or a class member.</summary>
public abstract class PolicyRule
{
    private string? _location;

    private protected PolicyRule(string file, int line)
    {
        File = file;
        Line = line;
    }

    /// <summary>The file name as given to the loader.</summary>
    public string File { get; }

    /// <summary>1-based line number, counted the way makemap counts (one per <c>fgets</c>).</summary>
    public int Line { get; }

    /// <summary><c>file:line</c> (just the source name for built-in members such as the host name).</summary>
    /// <remarks>Built on first use: a million-entry table should not carry a million location strings.</remarks>
    public string Location => _location ??=
        Line > 0 ? string.Concat(File, ":", Line.ToString(System.Globalization.CultureInfo.InvariantCulture)) : File;

    /// <summary>What a trace shows for a hit on this rule: the entry's value, or <c>member</c> for a class member.</summary>
    internal virtual string TraceText => "member";

    public override string ToString() => Location;
}
