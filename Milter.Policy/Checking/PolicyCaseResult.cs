using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>A failed expectation: where, what was expected, the verdict (with trace) that was returned.</summary>
public sealed record PolicyCaseMismatch(PolicyCase Case, PolicyCaseStep Step, Verdict Actual)
{
    public override string ToString() =>
        $"{Case.File}:{Step.Line}: case '{Case.Name}': {Step.Stage.ToString().ToLowerInvariant()} {Step.Argument}: expected {Step.Expectation}, got {Actual.Outcome}\n{Actual.Explain()}";
}

/// <summary>Outcome of one case.</summary>
public sealed record PolicyCaseResult(PolicyCase Case, IReadOnlyList<PolicyCaseMismatch> Mismatches)
{
    public bool Passed => Mismatches.Count == 0;
}
