using System.CommandLine;
using Milter.Host.Options;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Checking;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Host.Cli;

/// <summary>
/// <c>milter check</c>: one transaction evaluated offline, with the verdict of each stage and the trace. The exit code
/// is the outcome, for scripts: <see cref="Accepted"/>, <see cref="Refused"/>, <see cref="TempFailed"/>, or 2 for a
/// usage error or rules that do not load.
/// </summary>
internal static class CheckCommand
{
    /// <summary>The client sees no refusal (discard and quarantine included: the SMTP client gets 250).</summary>
    public const int Accepted = 0;

    /// <summary>A stage is refused with a permanent (5xx) reply.</summary>
    public const int Refused = 1;

    /// <summary>A stage is refused with a temporary (4xx) reply.</summary>
    public const int TempFailed = 3;

    private static readonly string[] ResolveWords = ["OK", "FAIL", "FORGED", "TEMP"];

    public static Command Create()
    {
        var clientIp = new Option<string>("--client-ip") { Description = "SMTP client address: a full IPv4 (192.0.2.1) or IPv6 address (2001:db8::1)", Required = true };
        clientIp.Validators.Add(r =>
        {
            string text = r.GetValueOrDefault<string>() ?? string.Empty;
            if (!LeaseAddress.TryParse(text, out _))
            {
                r.AddError($"--client-ip '{text}' is not a full IPv4 or IPv6 address");
            }
        });
        var clientName = new Option<string?>("--client-name") { Description = "client host name (reverse DNS)" };
        var clientResolve = new Option<string?>("--client-resolve") { Description = "Sendmail's {client_resolve} for the client name: OK, FAIL, FORGED or TEMP (default: unknown, as when the macro is not sent)" };
        clientResolve.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } word && ParseResolve(word) is null)
            {
                r.AddError($"--client-resolve '{word}' is not OK, FAIL, FORGED or TEMP");
            }
        });
        clientResolve.CompletionSources.Add(ResolveWords);
        var helo = new Option<string?>("--helo") { Description = "HELO/EHLO name" };
        var from = new Option<string>("--from") { Description = "envelope sender", Required = true };
        var rcpt = new Option<string[]>("--rcpt") { Description = "recipient (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var authType = new Option<string?>("--auth-type") { Description = "SMTP AUTH mechanism ({auth_type})" };
        var authUser = new Option<string?>("--auth-user") { Description = "SMTP AUTH user ({auth_authen})" };
        var rules = new RuleFlags();
        var config = RuleLoading.ConfigOption();
        var command = new Command(
            "check",
            "Evaluate one transaction against the rules and print each stage's verdict, SMTP reply and trace. " +
            $"Exit code: {Accepted} accepted, {Refused} refused (5xx), {TempFailed} temporarily refused (4xx), 2 usage error or rules that do not load");
        foreach (Option option in new Option[] { clientIp, clientName, clientResolve, helo, from, rcpt, authType, authUser })
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
                Resolve = parse.GetValue(clientResolve) is { } word ? ParseResolve(word)!.Value : ClientResolve.Unknown,
                Helo = parse.GetValue(helo),
                From = parse.GetValue(from),
                Recipients = parse.GetValue(rcpt) ?? [],
                AuthType = parse.GetValue(authType),
                AuthUser = parse.GetValue(authUser),
            };
            CheckResult result = await PolicyCheck.RunAsync(engine, input, cancellationToken).ConfigureAwait(false);
            parse.InvocationConfiguration.Output.WriteLine(result.ToString());
            return ExitCode(result.Final);
        });
        return command;
    }

    /// <summary>The exit code of the final verdict (the first refusal, else the last stage).</summary>
    public static int ExitCode(Verdict final) => final.Action switch
    {
        VerdictAction.Reject => Refused,
        VerdictAction.TempFail => TempFailed,
        _ => Accepted,
    };

    private static ClientResolve? ParseResolve(string word) => word.ToUpperInvariant() switch
    {
        "OK" => ClientResolve.Ok,
        "FAIL" => ClientResolve.Fail,
        "FORGED" => ClientResolve.Forged,
        "TEMP" => ClientResolve.Temp,
        _ => null,
    };
}
