using System.CommandLine;
using Milter.Host.Files;
using Milter.Host.Options;
using Milter.Host.Rules;

namespace Milter.Host.Cli;

/// <summary>
/// <c>milter rules</c>: the rule set in force in the running milter (version, load time, files), from the status
/// file it writes at every load; <c>--check</c> validates rule files offline instead.
/// </summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var stateDir = new Option<string?>("--state-dir") { Description = "state directory of the running milter (default as `run` resolves it)" };
        var config = new Option<string?>("--config") { Description = $"configuration file: Milter:StateDirectory, and with --check Milter:Rules and Milter:Policy (default {ConfigurationFile.DefaultPath})" };
        var check = new Option<bool>("--check") { Description = "validate the rule files given by the rule flags and exit 1 on any error" };
        var rules = new RuleFlags();
        var command = new Command("rules", "Show the rules in force in the running milter, or --check rule files offline");
        command.Options.Add(stateDir);
        command.Options.Add(config);
        command.Options.Add(check);
        rules.AddTo(command);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(check))
            {
                if (RuleLoading.Load(rules.Read(parse), parse.GetValue(config), error, out bool embedded) is null)
                {
                    return 1;
                }

                output.WriteLine(embedded ? $"rules OK: {RuleFilesSettings.EmbeddedNotice}" : "rules OK");
                return 0;
            }

            if (!ConfigurationFile.TryStateDirectory(parse.GetValue(stateDir), parse.GetValue(config), out string directory, out IReadOnlyList<string> configProblems))
            {
                foreach (string problem in configProblems)
                {
                    error.WriteLine($"milter rules: {problem}");
                }

                return 2;
            }

            if (StateDirectoryGuard.CheckForClient(directory) is { Count: > 0 } problems)
            {
                foreach (string problem in problems)
                {
                    error.WriteLine($"milter rules: {problem}");
                }

                return 1;
            }

            RulesStatus? status;
            try
            {
                status = RulesStatus.Read(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                error.WriteLine($"milter rules: cannot read {Path.Combine(directory, RulesStatus.FileName)}: {ex.Message}");
                return 1;
            }

            if (status is null)
            {
                error.WriteLine($"milter rules: no rules status in {directory} (is `milter run` running with this state directory?)");
                return 1;
            }

            bool alive = Directory.Exists($"/proc/{status.ProcessId}");
            output.WriteLine($"version {status.Version}, loaded {status.LoadedAt:O} by pid {status.ProcessId}{(alive ? string.Empty : " (not running)")}");
            if (status.Notice is { Length: > 0 } notice)
            {
                output.WriteLine($"  {notice}");
            }

            foreach (RulesStatusSource source in status.Sources)
            {
                output.WriteLine($"  {source.Kind} {source.Name}: {source.Entries} entries, {source.Lines} lines, sha256 {source.Sha256[..16]}");
            }

            if (status.LastRefusedAt is { } refused)
            {
                output.WriteLine($"last reload refused at {refused:O}; the rules above stay in force:");
                foreach (string line in status.LastErrors)
                {
                    output.WriteLine("  " + line);
                }
            }

            return alive ? 0 : 3;
        });
        return command;
    }
}
