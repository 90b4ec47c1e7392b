using Milter.Host.Options;
using Milter.Policy;
using Milter.Policy.Access;

namespace Milter.Host.Cli;

/// <summary>Loads the rule files for the offline commands, the same way <c>run</c> does.</summary>
internal static class RuleLoading
{
    public static PolicyEngine? Load(RuleFilesOptions files, TextWriter error)
    {
        foreach (string? path in new[] { files.Access, files.RelayDomains, files.LocalDomains })
        {
            if (path is not null && !File.Exists(path))
            {
                error.WriteLine($"milter: {path}: no such file");
                return null;
            }
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

        return new PolicyEngine(new RuleSetHolder(result.RuleSet), new PolicyOptions());
    }
}
