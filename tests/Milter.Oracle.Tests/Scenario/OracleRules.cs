using System.Text;

namespace Milter.Oracle.Tests.Scenario;

/// <summary>
/// One generated set of rule files, given to Sendmail and to the policy alike: the access source (makemap input, one
/// <c>KEY&lt;TAB&gt;VALUE</c> line each), relay-domains (class R) and local-host-names (class w).
/// </summary>
public sealed record OracleRules(IReadOnlyList<string> Access, IReadOnlyList<string> RelayDomains, IReadOnlyList<string> LocalHostNames)
{
    public string AccessText => Lines(Access);

    public string RelayDomainsText => Lines(RelayDomains);

    public string LocalHostNamesText => Lines(LocalHostNames);

    /// <summary>The same rules with only the access lines <paramref name="keep"/> selects (for minimal reproducers).</summary>
    public OracleRules WithAccess(IEnumerable<string> keep) => this with { Access = [.. keep] };

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("--- access\n").Append(AccessText);
        text.Append("--- relay-domains\n").Append(RelayDomainsText);
        text.Append("--- local-host-names\n").Append(LocalHostNamesText);
        return text.ToString();
    }

    private static string Lines(IReadOnlyList<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
