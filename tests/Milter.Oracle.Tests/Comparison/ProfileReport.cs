using System.Globalization;
using System.Text;
using Milter.Oracle.Tests.Profiles;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>The comparison of one profile: sessions, agreement, exclusions by rule, and the disagreements.</summary>
public sealed class ProfileReport(OracleProfile profile)
{
    private readonly Dictionary<string, int> _excluded = [];

    public OracleProfile Profile { get; } = profile;

    public int Sessions { get; private set; }

    public int Agreed { get; private set; }

    public List<Disagreement> Disagreements { get; } = [];

    public int Excluded => _excluded.Values.Sum();

    public int Compared => Sessions - Excluded;

    public double Agreement => Compared == 0 ? 1 : (double)Agreed / Compared;

    public void Add(Disagreement? disagreement, DeliberateDifference? excludedBy)
    {
        Sessions++;
        if (excludedBy is not null)
        {
            _excluded[excludedBy.Name] = _excluded.GetValueOrDefault(excludedBy.Name) + 1;
        }
        else if (disagreement is null)
        {
            Agreed++;
        }
        else
        {
            Disagreements.Add(disagreement);
        }
    }

    /// <summary>The summary table of all profiles (one line each).</summary>
    public static string Table(IEnumerable<ProfileReport> reports, int seed)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Sendmail oracle, seed {seed}\n");
        text.Append(CultureInfo.InvariantCulture, $"{"profile",-32} {"sessions",8} {"excluded",8} {"agree",8} {"agreement",10}\n");
        foreach (var r in reports)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Profile.Name,-32} {r.Sessions,8} {r.Excluded,8} {r.Agreed,8} {r.Agreement,10:P2}\n");
        }

        return text.ToString();
    }

    /// <summary>The disagreements grouped by kind, most frequent first.</summary>
    public string Kinds(int max = 15)
    {
        var text = new StringBuilder();
        foreach (var group in Disagreements.GroupBy(d => d.Signature).OrderByDescending(g => g.Count()).Take(max))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {group.Count(),5} x {group.Key}\n");
        }

        return text.ToString();
    }
}
