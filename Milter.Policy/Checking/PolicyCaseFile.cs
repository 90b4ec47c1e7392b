using Milter.Policy.Access;

namespace Milter.Policy.Checking;

/// <summary>A parsed test-case file: the cases, or <c>file:line: reason</c> errors.</summary>
public sealed class PolicyCaseFile
{
    internal PolicyCaseFile(IReadOnlyList<PolicyCase> cases, IReadOnlyList<LoadDiagnostic> errors)
    {
        Cases = cases;
        Errors = errors;
    }

    public IReadOnlyList<PolicyCase> Cases { get; }

    public IReadOnlyList<LoadDiagnostic> Errors { get; }
}
