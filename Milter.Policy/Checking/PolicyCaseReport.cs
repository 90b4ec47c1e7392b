using System.Text;

namespace Milter.Policy.Checking;

/// <summary>All case results; <see cref="ToString"/> is what <c>milter test</c> prints.</summary>
public sealed class PolicyCaseReport
{
    internal PolicyCaseReport(IReadOnlyList<PolicyCaseResult> results) => Results = results;

    public IReadOnlyList<PolicyCaseResult> Results { get; }

    public int Passed => Results.Count(r => r.Passed);

    public int Failed => Results.Count(r => !r.Passed);

    public bool AllPassed => Failed == 0;

    public IEnumerable<PolicyCaseMismatch> Mismatches => Results.SelectMany(r => r.Mismatches);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var mismatch in Mismatches)
        {
            sb.Append("MISMATCH ").Append(mismatch).Append('\n');
        }

        sb.Append("policy cases: ").Append(Passed).Append(" passed, ").Append(Failed).Append(" failed\n");
        return sb.ToString();
    }
}
