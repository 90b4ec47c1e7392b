using Microsoft.Extensions.DependencyInjection;
using Milter.Host.Options;
using Milter.Host.Rules;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Leases;

namespace Milter.Host.Composition;

/// <summary>
/// <c>milter run</c>'s policy: the rule files (<c>Milter:Rules</c>, loaded at start and reloaded on change and SIGHUP)
/// and the <see cref="PolicyEngine"/> of <c>Milter:Policy</c> that decides with them.
/// </summary>
internal static class PolicyServices
{
    public static IServiceCollection AddMilterPolicy(this IServiceCollection services, RuleFilesSettings rules, PolicySettings policy, IDnsResolver? resolver)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(rules));
        services.AddSingleton(new RuleSetHolder(null));
        services.AddSingleton<RuleReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<RuleReloader>());

        // One lease table for the relay decision and the limits' Leased exemption (both read PolicyEngine.Leases).
        services.AddSingleton(sp => new PolicyEngine(sp.GetRequiredService<RuleSetHolder>(), policy.ToPolicyOptions(), sp.GetRequiredService<ILeaseTable>(), resolver));
        return services;
    }
}
