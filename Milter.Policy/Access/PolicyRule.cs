namespace Milter.Policy.Access;

/// <summary>A line of a policy file that can decide a verdict: an access entry or a class member.</summary>
public abstract class PolicyRule
{
    private protected PolicyRule(string file, int line)
    {
        File = file;
        Line = line;
        Location = line > 0 ? string.Concat(file, ":", line.ToString(System.Globalization.CultureInfo.InvariantCulture)) : file;
    }

    /// <summary>The file name as given to the loader.</summary>
    public string File { get; }

    /// <summary>1-based line number, counted the way makemap counts (one per <c>fgets</c>).</summary>
    public int Line { get; }

    /// <summary><c>file:line</c> (just the source name for built-in members such as the host name).</summary>
    public string Location { get; }

    public override string ToString() => Location;
}
