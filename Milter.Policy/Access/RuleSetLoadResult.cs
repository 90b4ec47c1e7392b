using System.Diagnostics.CodeAnalysis;

namespace Milter.Policy.Access;

/// <summary>Either a <see cref="RuleSet"/> or the <c>file:line: reason</c> errors that prevented it; lint warnings in both cases.</summary>
public sealed class RuleSetLoadResult
{
    internal RuleSetLoadResult(RuleSet? ruleSet, IReadOnlyList<LoadDiagnostic> errors, IReadOnlyList<LoadDiagnostic> warnings)
    {
        RuleSet = ruleSet;
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>The new rule set; null when a strict load found errors.</summary>
    public RuleSet? RuleSet { get; }

    public IReadOnlyList<LoadDiagnostic> Errors { get; }

    public IReadOnlyList<LoadDiagnostic> Warnings { get; }

    [MemberNotNullWhen(true, nameof(RuleSet))]
    public bool Succeeded => RuleSet is not null;
}
