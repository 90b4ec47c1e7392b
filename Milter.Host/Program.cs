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
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
