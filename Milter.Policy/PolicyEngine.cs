using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy;

/// <summary>
/// Sendmail access-database policy without sockets: one engine per configuration, one <see cref="PolicySession"/>
/// per SMTP connection. Deterministic over the current <see cref="RuleSet"/> snapshot, the options and the lease store.
/// </summary>
public sealed class PolicyEngine
{
    /// <param name="rules">Holder of the current rule set (the host swaps it on reload).</param>
    /// <param name="options">Features; snapshotted now (build a new engine when they change).</param>
    /// <param name="leases">DRAC-style leases (FEATURE(drac)); null = no lease relay.</param>
    /// <param name="resolver">
    /// DNS for the sender domain check and the DNS lists; null = those checks are not made (the offline <c>check</c> and
    /// <c>test</c> commands: their traces say so).
    /// </param>
    public PolicyEngine(RuleSetHolder rules, PolicyOptions? options = null, ILeaseStore? leases = null, IDnsResolver? resolver = null)
    {
        Rules = rules ?? throw new ArgumentNullException(nameof(rules));
        Policy = new CompiledPolicy(options ?? new PolicyOptions());
        Leases = leases;
        Resolver = resolver;
    }

    private PolicyEngine(RuleSetHolder rules, CompiledPolicy policy, ILeaseStore? leases, IDnsResolver? resolver)
    {
        Rules = rules;
        Policy = policy;
        Leases = leases;
        Resolver = resolver;
    }

    public RuleSetHolder Rules { get; }

    public ILeaseStore? Leases { get; }

    /// <summary>DNS for the sender domain check and the DNS lists (null: not checked).</summary>
    public IDnsResolver? Resolver { get; }

    internal CompiledPolicy Policy { get; }

    /// <summary>The same rules and options with another lease store (used by <c>milter check</c>/<c>milter test</c> to simulate leases).</summary>
    public PolicyEngine WithLeaseStore(ILeaseStore? leases) => new(Rules, Policy, leases, Resolver);

    /// <summary>Starts a connection. Call <see cref="PolicySession.Connect"/> next.</summary>
    /// <param name="client">Client facts from the connect callback and macros.</param>
    /// <param name="trace">Record every lookup (for <c>milter check</c>, tests, debug logging); also on when <see cref="PolicyOptions.TraceLookups"/>.</param>
    public PolicySession OpenSession(ClientFacts client, bool trace = false) =>
        new(this, client ?? throw new ArgumentNullException(nameof(client)), trace || Policy.TraceLookups);
}
