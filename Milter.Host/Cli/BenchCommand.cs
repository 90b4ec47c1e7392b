using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using Milter.Host.Bench;
using Milter.Protocol.Client;
using Milter.Protocol.Transport;

namespace Milter.Host.Cli;

/// <summary><c>milter bench</c>: the load tool (whole milter sessions at a fixed concurrency) and the idle-connection holder.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target")
        {
            Description = "Milter socket spec to load (inet:PORT@HOST, inet6:PORT@HOST, unix:PATH)",
            Required = true,
        };
        target.Validators.Add(r =>
        {
            if (!MilterSocketSpec.TryParse(r.GetValueOrDefault<string>(), out _, out string? error))
            {
                r.AddError(error);
            }
        });
        var concurrency = Positive(new Option<int>("--concurrency", "-c") { Description = "Sessions in flight at once, each on its own connection", DefaultValueFactory = _ => 8 });
        var sessions = new Option<long?>("--sessions", "-n") { Description = "Measure this many sessions (instead of --duration)" };
        sessions.Validators.Add(r =>
        {
            if (Value<long?>(r) is < 1)
            {
                r.AddError("--sessions must be at least 1");
            }
        });
        var duration = new Option<double?>("--duration", "-d") { Description = "Seconds to measure (default 10); with --idle-connections, seconds to hold them (default: until interrupted)" };
        duration.Validators.Add(r =>
        {
            if (Value<double?>(r) is <= 0)
            {
                r.AddError("--duration must be positive");
            }
        });
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured sessions first", DefaultValueFactory = _ => 2 };
        warmup.Validators.Add(r =>
        {
            if (Value<double>(r) < 0)
            {
                r.AddError("--warmup must not be negative");
            }
        });
        var recipients = Positive(new Option<int>("--recipients") { Description = "RCPT commands per session", DefaultValueFactory = _ => 3 });
        var bodySize = new Option<int>("--body-size") { Description = "Body bytes per message (sent in 65535-byte chunks)", DefaultValueFactory = _ => 10240 };
        bodySize.Validators.Add(r =>
        {
            if (Value<int>(r) < 0)
            {
                r.AddError("--body-size must not be negative");
            }
        });
        var flavor = new Option<MtaFlavor>("--flavor") { Description = "Whose habits to imitate: sendmail or postfix", DefaultValueFactory = _ => MtaFlavor.Sendmail };
        var idle = new Option<int?>("--idle-connections") { Description = "Instead of load: open N negotiated, connected idle connections and hold them (for memory measurement)" };
        idle.Validators.Add(r =>
        {
            if (Value<int?>(r) is < 1)
            {
                r.AddError("--idle-connections must be at least 1");
            }
        });
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each reply", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var traffic = new Option<FileInfo?>("--traffic") { Description = "Scripted sessions, one per line with the reply expected at each stage (bench/README.md); every reply is checked, a difference fails the run" };
        var expectContinue = new Option<bool>("--expect-continue") { Description = "With --traffic: send the scripted commands but expect continue everywhere (a do-nothing milter)" };

        var command = new Command("bench", "Load a milter with whole SMTP sessions and print sessions/s and latency per command");
        foreach (Option option in new Option[] { target, concurrency, sessions, duration, warmup, recipients, bodySize, flavor, idle, timeout, json, traffic, expectContinue })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.GetResult(sessions) is not null && r.GetResult(duration) is not null && r.GetResult(idle) is null)
            {
                r.AddError("--sessions and --duration are mutually exclusive");
            }
        });

        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            double? seconds = parse.GetValue(duration);
            var options = new LoadOptions
            {
                Target = parse.GetRequiredValue(target),
                Concurrency = parse.GetValue(concurrency),
                Sessions = parse.GetValue(sessions),
                Duration = TimeSpan.FromSeconds(seconds ?? 10),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Recipients = parse.GetValue(recipients),
                BodySize = parse.GetValue(bodySize),
                Flavor = parse.GetValue(flavor),
                ReadTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                Traffic = parse.GetValue(traffic)?.FullName,
                ExpectContinue = parse.GetValue(expectContinue),
            };
            TextWriter output = parse.InvocationConfiguration.Output;
            EndPoint endPoint;
            try
            {
                // Resolved once: every connection of the run goes to the same place.
                endPoint = await MilterSocketSpec.Parse(options.Target).ResolveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"milter bench: --target {options.Target}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            if (parse.GetValue(idle) is int idleCount)
            {
                return await IdleConnections.RunAsync(options, endPoint, idleCount, seconds is null ? null : options.Duration, output, cancellationToken).ConfigureAwait(false);
            }

            LoadResult result;
            try
            {
                result = await LoadTool.RunAsync(options, endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"milter bench: --traffic: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            await output.WriteAsync(parse.GetValue(json) ? result.ToJson() + Environment.NewLine : result.ToText()).ConfigureAwait(false);
            return result.Errors == 0 && result.Mismatches == 0 && result.Sessions > 0 ? 0 : 1;
        });
        return command;
    }

    // Validators run even when the value did not convert; the parser reports that error itself.
    private static T? Value<T>(OptionResult result)
    {
        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r =>
        {
            if (Value<int>(r) < 1 && r.Tokens.Count > 0 && int.TryParse(r.Tokens[0].Value, out _))
            {
                r.AddError($"{r.Option.Name} must be at least 1");
            }
        });
        return option;
    }
}
