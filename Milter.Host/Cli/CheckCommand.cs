using System.CommandLine;
using Milter.Host.Options;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Checking;

namespace Milter.Host.Cli;

/// <summary><c>milter check</c>: one transaction evaluated offline, with the verdict of each stage and the trace.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var clientIp = new Option<string>("--client-ip") { Description = "SMTP client address", Required = true };
        var clientName = new Option<string?>("--client-name") { Description = "client host name (reverse DNS)" };
        var helo = new Option<string?>("--helo") { Description = "HELO/EHLO name" };
        var from = new Option<string>("--from") { Description = "envelope sender", Required = true };
        var rcpt = new Option<string[]>("--rcpt") { Description = "recipient (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var authType = new Option<string?>("--auth-type") { Description = "SMTP AUTH mechanism ({auth_type})" };
        var authUser = new Option<string?>("--auth-user") { Description = "SMTP AUTH user ({auth_authen})" };
        var rules = new RuleFlags();
        var config = RuleLoading.ConfigOption();
        var command = new Command("check", "Evaluate one transaction against the rules and print each stage's verdict, SMTP reply and trace");
        foreach (Option option in new Option[] { clientIp, clientName, helo, from, rcpt, authType, authUser })
        {
            command.Options.Add(option);
        }

        rules.AddTo(command);
        command.Options.Add(config);
        command.SetAction(async (parse, cancellationToken) =>
        {
            PolicyEngine? engine = RuleLoading.Load(rules.Read(parse), parse.GetValue(config), parse.InvocationConfiguration.Error);
            if (engine is null)
            {
                return 2;
            }

            var input = new CheckInput
            {
                ClientAddress = parse.GetValue(clientIp)!,
                ClientName = parse.GetValue(clientName),
                Helo = parse.GetValue(helo),
                From = parse.GetValue(from),
                Recipients = parse.GetValue(rcpt) ?? [],
                AuthType = parse.GetValue(authType),
                AuthUser = parse.GetValue(authUser),
            };
            CheckResult result = await PolicyCheck.RunAsync(engine, input, cancellationToken).ConfigureAwait(false);
            parse.InvocationConfiguration.Output.WriteLine(result.ToString());
            return 0;
        });
        return command;
    }
}
