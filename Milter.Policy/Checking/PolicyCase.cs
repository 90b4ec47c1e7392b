using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>One <c>case</c> of a test-case file: the simulated session and the expected replies.</summary>
public sealed class PolicyCase
{
    internal PolicyCase(string name, string file, int line)
    {
        Name = name;
        File = file;
        Line = line;
    }

    public string Name { get; }

    public string File { get; }

    public int Line { get; }

    public string ClientAddress { get; internal set; } = string.Empty;

    public string? ClientName { get; internal set; }

    public ClientResolve Resolve { get; internal set; }

    public LeaseStatus? Lease { get; internal set; }

    public AuthFacts Auth { get; internal set; }

    /// <summary>Stage lines in order; the first is always the connect step.</summary>
    public IReadOnlyList<PolicyCaseStep> Steps => StepList;

    internal List<PolicyCaseStep> StepList { get; } = [];

    public override string ToString() => $"{Name} ({File}:{Line})";
}
