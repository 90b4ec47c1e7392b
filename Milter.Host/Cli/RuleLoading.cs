using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Milter.Host.Options;
using Milter.Policy;
using Milter.Policy.Access;

namespace Milter.Host.Cli;

/// <summary>
/// Loads the rule files and the policy settings for the offline commands the way <c>run</c> does: the configuration
/// file (default or <c>--config</c>) and the environment, then the rule flags.
/// </summary>
internal static class RuleLoading
{
    public static Option<string?> ConfigOption() =>
        new("--config") { Description = $"configuration file for Milter:Rules and Milter:Policy (default {ConfigurationFile.DefaultPath} when it exists)" };

    /// <summary>Loads the rules; with none configured, says on <paramref name="error"/> that these are the embedded examples.</summary>
    public static PolicyEngine? Load(RuleFilesSettings flags, string? configFlag, TextWriter error)
    {
        PolicyEngine? engine = Load(flags, configFlag, error, out bool embedded);
        if (engine is not null && embedded)
        {
            error.WriteLine($"milter: no rule file configured ({RuleFilesSettings.Section} or the rule flags): {RuleFilesSettings.EmbeddedNotice}");
        }

        return engine;
    }

    /// <summary>As <see cref="Load(RuleFilesSettings, string?, TextWriter)"/>, silent about the examples; <paramref name="embedded"/> tells whether no rule file was configured.</summary>
    public static PolicyEngine? Load(RuleFilesSettings flags, string? configFlag, TextWriter error, out bool embedded)
    {
        embedded = false;
        if (!ConfigurationFile.TryBuild(configFlag, out ConfigurationManager configuration, out _, out IReadOnlyList<string> configProblems))
        {
            foreach (string problem in configProblems)
            {
                error.WriteLine($"milter: {problem}");
            }

            return null;
        }

        // The whole configuration is checked as `run` checks it: a file `run` refuses is refused here too.
        MilterSettings settings;
        using (configuration)
        {
            settings = MilterSettings.Bind(configuration);
        }

        foreach (string warning in settings.Warnings)
        {
            error.WriteLine($"milter: warning: {warning}");
        }

        RuleFilesSettings files = settings.Rules;
        PolicySettings policy = settings.Policy;
        files.Access = flags.Access ?? files.Access;
        files.RelayDomains = flags.RelayDomains ?? files.RelayDomains;
        files.LocalDomains = flags.LocalDomains ?? files.LocalDomains;
        List<string> problems = [.. settings.Problems, .. files.Unusable()];
        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                error.WriteLine($"milter: {problem}");
            }

            return null;
        }

        RuleSetLoadResult result = files.Load(new RuleSetLoader());
        foreach (LoadDiagnostic warning in result.Warnings)
        {
            error.WriteLine("warning: " + warning);
        }

        if (!result.Succeeded || result.RuleSet is null)
        {
            foreach (LoadDiagnostic problem in result.Errors)
            {
                error.WriteLine(problem.ToString());
            }

            return null;
        }

        embedded = files.UsesEmbeddedExamples;
        return new PolicyEngine(new RuleSetHolder(result.RuleSet), policy.ToPolicyOptions());
    }
}
