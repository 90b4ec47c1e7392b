using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>One stage line of a case (<c>client</c>, <c>helo</c>, <c>mail</c>, <c>rcpt</c>) and its <c>expect</c>.</summary>
public sealed record PolicyCaseStep(PolicyStage Stage, string Argument, int Line, PolicyExpectation? Expectation)
{
    public PolicyExpectation? Expectation { get; internal set; } = Expectation;
}
