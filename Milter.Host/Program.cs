using System.CommandLine;
using Milter.Host.Cli;

// The `milter` program: one executable, one subcommand per job.
var root = new RootCommand("milter: a mail-policy milter for Sendmail and Postfix (relay control, access rules, leases, limits)");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(RulesCommand.Create());
root.Subcommands.Add(LeaseCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
ParseResult parse = root.Parse(args);
if (parse.Errors.Count == 0)
{
    return await parse.InvokeAsync().ConfigureAwait(false);
}

// A usage error: the errors and the usage go to stderr and the exit code is 2, as for every other usage error
// the commands report themselves (a bad address, a bad duration, a bad setting).
await parse.InvokeAsync(new InvocationConfiguration { Output = Console.Error }).ConfigureAwait(false);
return 2;
