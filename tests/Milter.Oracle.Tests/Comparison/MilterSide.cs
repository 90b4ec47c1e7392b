using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Oracle.Tests.Comparison;

/// <summary>
/// The milter's outcome of a session: the policy in process (<see cref="PolicyEngine"/>, one <see cref="PolicySession"/>
/// per session) on the same rule files, with the profile's options (<see cref="OracleProfile.PolicyOptions"/>).
/// </summary>
public static class MilterSide
{
    public static PolicyEngine Engine(OracleProfile profile, OracleRules rules)
    {
        var load = new RuleSetLoader().Load(
            PolicyFile.FromText("access", rules.AccessText),
            PolicyFile.FromText("relay-domains", rules.RelayDomainsText),
            PolicyFile.FromText("local-host-names", rules.LocalHostNamesText));
        if (!load.Succeeded || load.RuleSet is null)
        {
            throw new InvalidOperationException(
                "the milter refused rule files makemap accepted:\n" + string.Join('\n', load.Errors) + "\n" + rules);
        }

        return new PolicyEngine(new RuleSetHolder(load.RuleSet), profile.PolicyOptions());
    }

    /// <param name="probedKeys">When given, receives every access key the policy looked up (for minimal reproducers).</param>
    public static SessionOutcome Run(PolicyEngine engine, OracleSession session, ISet<string>? probedKeys = null)
    {
        var resolve = Enum.Parse<ClientResolve>(session.Resolve, ignoreCase: true);
        var policy = engine.OpenSession(new ClientFacts(session.ClientAddress, session.ClientName, resolve), trace: probedKeys is not null);
        var verdicts = new List<Verdict> { policy.Connect() };
        verdicts.Add(policy.Mail(session.Sender, session.AuthType is null ? default : new AuthFacts(session.AuthType, "oracle")));
        foreach (var recipient in session.Recipients)
        {
            var pending = policy.RcptAsync(recipient);
            verdicts.Add(pending.IsCompleted ? pending.GetAwaiter().GetResult() : pending.AsTask().GetAwaiter().GetResult());
        }

        if (probedKeys is not null)
        {
            foreach (var step in verdicts.Where(v => v.Trace is not null).SelectMany(v => v.Trace!.Steps).Where(s => s.Map == "access"))
            {
                probedKeys.Add(step.Key);
            }
        }

        return SessionOutcome.From(Outcome(verdicts[0]), Outcome(verdicts[1]), [.. verdicts.Skip(2).Select(Outcome)]);
    }

    public static StageOutcome Outcome(Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Reject or VerdictAction.TempFail => StageOutcome.Refusal(verdict.Reply?.Line ?? verdict.Action.ToString()),
        VerdictAction.Discard => StageOutcome.Discard,
        VerdictAction.Quarantine => StageOutcome.Quarantine(verdict.QuarantineReason ?? string.Empty),
        _ => StageOutcome.Ok,
    };
}
