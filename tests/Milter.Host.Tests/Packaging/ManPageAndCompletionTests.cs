using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Packaging;

/// <summary>
/// milter(8) (packaging/milter.8) and the bash completion (packaging/milter.bash-completion) know every command and
/// every option the program's own --help lists: a new option is documented and completed, or this test says which.
/// </summary>
public partial class ManPageAndCompletionTests
{
    private static readonly Lazy<Task<IReadOnlyList<(string Command, string Option)>>> Usage = new(ReadUsageAsync);

    [Test]
    [CancelAfter(300_000)]
    public async Task ManPage_DocumentsEveryCommandAndOption()
    {
        string man = RepoFiles.Read("packaging", "milter.8").Replace(@"\-", "-", StringComparison.Ordinal).Replace(@"\fB", string.Empty, StringComparison.Ordinal);
        foreach ((string command, string option) in await Usage.Value)
        {
            man.Should().Contain("milter " + command, "the synopsis names the command");
            if (option.Length > 0)
            {
                man.Should().MatchRegex($@"(^|[\s\[(,]){Regex.Escape(option)}\b", "milter {0} {1} is described", command, option);
            }
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task BashCompletion_OffersEveryCommandAndOption()
    {
        string completion = RepoFiles.Read("packaging", "milter.bash-completion");
        string ruleFlags = Regex.Match(completion, @"local rule_flags=""([^""]*)""").Groups[1].Value;
        string commands = Regex.Match(completion, @"local commands=""([^""]*)""").Groups[1].Value;
        string leaseCommands = Regex.Match(completion, @"compgen -W ""(add [^""]*)""").Groups[1].Value;
        foreach ((string command, string option) in await Usage.Value)
        {
            string[] words = command.Split(' ');
            (words.Length == 1 ? commands : leaseCommands).Split(' ').Should().Contain(words[^1], "the command {0} is completed", command);
            if (option.Length > 0)
            {
                // the options offered after this command: its case branch's options="..." list
                Match branch = Regex.Match(completion, $@"(?:^|[\s|]){Regex.Escape(words[^1])}(?: \| [a-z]+)*\)\s+options=""([^""]*)""", RegexOptions.Multiline);
                branch.Success.Should().BeTrue("the completion has an options list for {0}", command);
                branch.Groups[1].Value.Replace("$rule_flags", ruleFlags, StringComparison.Ordinal).Split(' ')
                    .Should().Contain(option, "milter {0} {1} is completed", command, option);
            }
        }
    }

    /// <summary>Each command (and lease subcommand) with each long option of its --help; an empty option stands for the command itself.</summary>
    private static async Task<IReadOnlyList<(string Command, string Option)>> ReadUsageAsync()
    {
        var usage = new List<(string, string)>();
        var commands = new List<string>();
        foreach (string top in Commands((await MilterProgram.RunAsync("--help")).Out))
        {
            IReadOnlyList<string> subcommands = Commands((await MilterProgram.RunAsync(top, "--help")).Out);
            commands.AddRange(subcommands.Count > 0 ? subcommands.Select(s => $"{top} {s}") : [top]);
        }

        foreach (string command in commands)
        {
            (int exit, string help, string error) = await MilterProgram.RunAsync([.. command.Split(' '), "--help"]);
            exit.Should().Be(0, error);
            usage.Add((command, string.Empty));
            usage.AddRange(OptionLine().Matches(help).Select(m => m.Groups[1].Value).Where(o => o != "--help").Select(o => (command, o)));
        }

        return usage;
    }

    private static IReadOnlyList<string> Commands(string help)
    {
        int start = help.IndexOf("Commands:", StringComparison.Ordinal);
        return start < 0 ? [] : CommandLine().Matches(help[start..]).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"^  (?:-\w, |-\?, -\w, )?(--[a-z][a-z-]*)", RegexOptions.Multiline)]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"^  ([a-z]+)\b", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
