using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Host.Composition;
using Milter.Host.Dns;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Host.Rules;
using Milter.Policy.Dns;
using Milter.Policy.Leases;

namespace Milter.Host.Cli;

/// <summary><c>milter run</c>: serve the policy to Sendmail/Postfix until SIGTERM; SIGHUP reloads the rules.</summary>
internal static partial class RunCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "Socket in Sendmail syntax: inet:PORT@HOST, inet6:PORT@HOST, unix:PATH (default inet:8890@127.0.0.1)" };
        var config = new Option<string?>("--config") { Description = $"JSON configuration file (settings: README; default {ConfigurationFile.DefaultPath} when it exists)" };
        var stateDir = new Option<string?>("--state-dir") { Description = "state directory (rules status; default /var/lib/milter for root, ~/.local/state/milter otherwise)" };
        var metrics = new Option<string?>("--metrics") { Description = "Prometheus endpoint ADDRESS:PORT, e.g. 127.0.0.1:9469 (default off)" };
        var leases = new Option<string?>("--leases") { Description = "lease store: sqlite[:PATH] (default STATE/leases.db), redis:HOST:PORT or memory" };
        var rules = new RuleFlags();
        var command = new Command("run", "Run the milter (defaults: loopback listener inet:8890@127.0.0.1, the example rules)");
        command.Options.Add(listen);
        command.Options.Add(config);
        command.Options.Add(stateDir);
        command.Options.Add(leases);
        command.Options.Add(metrics);
        rules.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            if (!ConfigurationFile.TryBuild(parse.GetValue(config), out ConfigurationManager configuration, out string? configFile, out IReadOnlyList<string> configProblems))
            {
                foreach (string problem in configProblems)
                {
                    error.WriteLine($"milter run: {problem}");
                }

                return 2;
            }

            var flags = new Dictionary<string, string?>();
            if (parse.GetValue(listen) is { } spec)
            {
                if (!Milter.Protocol.Transport.MilterSocketSpec.TryParse(spec, out _, out string? specError))
                {
                    error.WriteLine($"milter run: --listen: {specError}");
                    return 2;
                }

                flags[ListenerSettings.Section + ":Listen"] = spec;
            }

            flags[StateDirectory.Key] = parse.GetValue(stateDir);
            flags[LeaseSettings.Section + ":Store"] = parse.GetValue(leases);
            flags[MetricsSettings.Section + ":Listen"] = parse.GetValue(metrics);
            RuleFilesSettings files = rules.Read(parse);
            flags[RuleFilesSettings.Section + ":Access"] = files.Access;
            flags[RuleFilesSettings.Section + ":RelayDomains"] = files.RelayDomains;
            flags[RuleFilesSettings.Section + ":LocalDomains"] = files.LocalDomains;
            configuration.AddInMemoryCollection(flags.Where(f => f.Value is not null)); // file < environment < flags

            // No defaults: they would put the file under the environment and read appsettings.json from the working directory.
            HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = configuration });
            var settings = MilterSettings.Bind(builder.Configuration);
            if (settings.Problems.Count > 0)
            {
                foreach (string problem in settings.Problems)
                {
                    error.WriteLine($"milter run: {problem}");
                }

                return 2;
            }

            foreach (string warning in settings.Warnings)
            {
                error.WriteLine($"milter run: warning: {warning}");
            }

            IDnsResolver? resolver = null;
            if (settings.Policy.UsesDns && !DnsResolverFactory.TryCreate(settings.Dns, TimeProvider.System, out resolver, out string? dnsError))
            {
                error.WriteLine($"milter run: {dnsError}");
                return 2;
            }

            string stateDirectory = StateDirectory.Resolve(builder.Configuration[StateDirectory.Key]);
            if (StateProblems(stateDirectory, settings.Leases) is { Count: > 0 } unsafeState)
            {
                foreach (string problem in unsafeState)
                {
                    error.WriteLine($"milter run: {problem}");
                }

                return 1;
            }

            builder.Services.AddMilterSystemd();
            builder.Logging.AddMilterLogging(builder.Configuration, settings.Logging);
            builder.Services.AddSingleton(new StatePaths(stateDirectory));
            builder.Services // hosted services start in this order
                .AddMilterMetrics(settings.Metrics)
                .AddMilterPolicy(settings.Rules, settings.Policy, resolver)
                .AddMilterLeases(settings.Leases, settings.Admin)
                .AddMilterLimits(settings.Limits)
                .AddMilterListener(settings);

            using IHost host = builder.Build();
            try
            {
                Log.Configuration(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Host"), configFile ?? $"none (no {ConfigurationFile.DefaultOrChosenPath}): defaults, environment and flags");
                // A missing, unreadable or broken rule file stops here, named, before READY=1.
                if (host.Services.GetRequiredService<RuleReloader>().LoadAtStart() is { Count: > 0 } ruleProblems)
                {
                    foreach (string problem in ruleProblems)
                    {
                        error.WriteLine($"milter run: {problem}");
                    }

                    return 1;
                }

                host.Services.GetRequiredService<ILeaseTable>(); // an unusable lease store stops here, named
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException or FormatException or OptionsValidationException)
            {
                error.WriteLine($"milter run: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The state directory and a SQLite lease file outside it, as StrictModes would check them (<see cref="StateDirectoryGuard"/>).</summary>
    private static List<string> StateProblems(string stateDirectory, LeaseSettings leases)
    {
        List<string> problems = [.. StateDirectoryGuard.PrepareForService(stateDirectory)];
        if (LeaseStoreSpec.TryParse(leases.Store, out LeaseStoreSpec? spec, out _) && spec.Kind == LeaseStoreKind.Sqlite && spec.Target is not null)
        {
            problems.AddRange(StateDirectoryGuard.CheckStoreFile(spec.Target));
        }

        return problems;
    }
}
