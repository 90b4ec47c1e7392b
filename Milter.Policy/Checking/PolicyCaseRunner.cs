using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>Runs test cases against an engine: each case is a fresh traced session; every <c>expect</c> is compared.</summary>
public static class PolicyCaseRunner
{
    public static async ValueTask<PolicyCaseReport> RunAsync(PolicyEngine engine, IEnumerable<PolicyCase> cases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(cases);
        var results = new List<PolicyCaseResult>();
        foreach (var policyCase in cases)
        {
            results.Add(await RunCaseAsync(engine, policyCase, cancellationToken).ConfigureAwait(false));
        }

        return new PolicyCaseReport(results);
    }

    private static async ValueTask<PolicyCaseResult> RunCaseAsync(PolicyEngine engine, PolicyCase policyCase, CancellationToken cancellationToken)
    {
        if (policyCase.Lease is { } lease)
        {
            engine = engine.WithLeaseStore(new FixedLeaseStore(lease));
        }

        var session = engine.OpenSession(new ClientFacts(policyCase.ClientAddress, policyCase.ClientName, policyCase.Resolve), trace: true);
        var mismatches = new List<PolicyCaseMismatch>();
        foreach (var step in policyCase.Steps)
        {
            var verdict = step.Stage switch
            {
                PolicyStage.Connect => session.Connect(),
                PolicyStage.Helo => session.Helo(step.Argument),
                PolicyStage.Mail => MailAfterReset(session, step.Argument, policyCase.Auth),
                _ => await session.RcptAsync(step.Argument, cancellationToken).ConfigureAwait(false),
            };
            if (step.Expectation is { } expected && !expected.Matches(verdict))
            {
                mismatches.Add(new PolicyCaseMismatch(policyCase, step, verdict));
            }
        }

        return new PolicyCaseResult(policyCase, mismatches);
    }

    private static Verdict MailAfterReset(PolicySession session, string sender, AuthFacts auth)
    {
        session.Reset();
        return session.Mail(sender, auth);
    }
}
