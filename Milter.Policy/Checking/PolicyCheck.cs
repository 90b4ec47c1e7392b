using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>Evaluates every stage of one simulated session with tracing on (what <c>milter check</c> prints).</summary>
public static class PolicyCheck
{
    public static async ValueTask<CheckResult> RunAsync(PolicyEngine engine, CheckInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Lease is { } lease)
        {
            engine = engine.WithLeaseStore(new FixedLeaseStore(lease));
        }

        var session = engine.OpenSession(new ClientFacts(input.ClientAddress, input.ClientName, input.Resolve), trace: true);
        var stages = new List<Verdict> { session.Connect() };
        if (input.Helo is not null)
        {
            stages.Add(session.Helo(input.Helo));
        }

        if (input.From is null)
        {
            return new CheckResult(stages);
        }

        var mail = session.Mail(input.From, new AuthFacts(input.AuthType, input.AuthUser));
        stages.Add(mail);
        if (mail.IsRefusal)
        {
            return new CheckResult(stages);
        }

        foreach (var rcpt in input.Recipients)
        {
            stages.Add(await session.RcptAsync(rcpt, cancellationToken).ConfigureAwait(false));
        }

        return new CheckResult(stages);
    }
}
