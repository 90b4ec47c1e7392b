using System.CommandLine;
using Milter.Policy;
using Milter.Policy.Checking;

namespace Milter.Host.Cli;

/// <summary><c>milter test FILE...</c>: run an admin's policy cases; non-zero exit on any mismatch.</summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var files = OptionLikeArguments.Refused(new Argument<string[]>("FILE") { Description = "policy case files (format: docs/policy.md)", Arity = ArgumentArity.OneOrMore });
        var rules = new RuleFlags();
        var config = RuleLoading.ConfigOption();
        var command = new Command("test", "Run policy test cases against the rules; exits 1 on any mismatch, naming it");
        command.Arguments.Add(files);
        rules.AddTo(command);
        command.Options.Add(config);
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            PolicyEngine? engine = RuleLoading.Load(rules.Read(parse), parse.GetValue(config), error);
            if (engine is null)
            {
                return 2;
            }

            int failed = 0;
            foreach (string path in parse.GetValue(files)!)
            {
                if (!File.Exists(path))
                {
                    error.WriteLine($"milter test: {path}: no such file");
                    return 2;
                }

                PolicyCaseFile caseFile = PolicyCaseParser.Parse(path, await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
                if (caseFile.Errors.Count > 0)
                {
                    foreach (var problem in caseFile.Errors)
                    {
                        error.WriteLine(problem.ToString());
                    }

                    return 2;
                }

                PolicyCaseReport report = await PolicyCaseRunner.RunAsync(engine, caseFile.Cases, cancellationToken).ConfigureAwait(false);
                output.WriteLine(report.ToString());
                failed += report.Failed;
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
