using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Host.Adapters;
using Milter.Host.Leases;
using Milter.Host.Leases.Feeds;
using Milter.Host.Limits;
using Milter.Host.Listening;
using Milter.Host.Options;
using Milter.Host.Rules;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Protocol.Session;

namespace Milter.Host.Cli;

/// <summary><c>milter run</c>: serve the policy to Sendmail/Postfix until SIGTERM; SIGHUP reloads the rules.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "Socket in Sendmail syntax: inet:PORT@HOST, inet6:PORT@HOST, unix:PATH (default inet:8890@127.0.0.1)" };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (settings: README)" };
        var stateDir = new Option<string?>("--state-dir") { Description = "state directory (rules status; default /var/lib/milter for root, ~/.local/state/milter otherwise)" };
        var leases = new Option<string?>("--leases") { Description = "lease store: sqlite[:PATH] (default STATE/leases.db), redis:HOST:PORT or memory" };
        var rules = new RuleFlags();
        var command = new Command("run", "Run the milter (defaults: loopback listener inet:8890@127.0.0.1, the example rules)");
        command.Options.Add(listen);
        command.Options.Add(config);
        command.Options.Add(stateDir);
        command.Options.Add(leases);
        rules.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder([]);
            if (parse.GetValue(config) is { } configFile)
            {
                if (!File.Exists(configFile))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"milter run: config file {configFile} not found");
                    return 2;
                }

                builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
            }

            var flags = new Dictionary<string, string?>();
            if (parse.GetValue(listen) is { } spec)
            {
                if (!Milter.Protocol.Transport.MilterSocketSpec.TryParse(spec, out _, out string? error))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"milter run: --listen: {error}");
                    return 2;
                }

                flags[ListenerOptions.Section + ":Listen"] = spec;
            }

            flags[StateDirectory.Key] = parse.GetValue(stateDir);
            flags[LeaseSettings.Section + ":Store"] = parse.GetValue(leases);
            RuleFilesOptions files = rules.Read(parse);
            flags[RuleFilesOptions.Section + ":Access"] = files.Access;
            flags[RuleFilesOptions.Section + ":RelayDomains"] = files.RelayDomains;
            flags[RuleFilesOptions.Section + ":LocalDomains"] = files.LocalDomains;
            builder.Configuration.AddInMemoryCollection(flags.Where(f => f.Value is not null)); // flags win

            builder.Services.AddSystemd();
            builder.Services.AddOptions<ListenerOptions>().BindConfiguration(ListenerOptions.Section);
            builder.Services.AddOptions<RuleFilesOptions>().BindConfiguration(RuleFilesOptions.Section);
            builder.Services.AddSingleton(new RuleSetHolder(null));
            builder.Services.AddSingleton<RuleReloader>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<RuleReloader>());
            var policy = new PolicySettings();
            builder.Configuration.GetSection(PolicySettings.Section).Bind(policy);
            var listener = new ListenerOptions();
            builder.Configuration.GetSection(ListenerOptions.Section).Bind(listener);
            var limitSettings = new LimitSettings();
            builder.Configuration.GetSection(LimitSettings.Section).Bind(limitSettings);
            var leaseSettings = new LeaseSettings();
            builder.Configuration.GetSection(LeaseSettings.Section).Bind(leaseSettings);
            List<string> problems = [.. policy.Validate(), .. listener.Validate(), .. limitSettings.Validate(), .. leaseSettings.Validate(), .. LeaseFeeds.Validate(builder.Configuration)];
            if (problems.Count > 0)
            {
                foreach (string problem in problems)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"milter run: {problem}");
                }

                return 2;
            }

            builder.Services.AddSingleton(new StatePaths(StateDirectory.Resolve(builder.Configuration[StateDirectory.Key])));
            LeaseServices.Add(builder.Services, builder.Configuration, leaseSettings);
            builder.Services.AddLeaseFeeds(builder.Configuration); // DRAC RPC and log follower, when configured
            // One lease table for the relay decision and the limits' Leased exemption (both read PolicyEngine.Leases).
            builder.Services.AddSingleton(sp => new PolicyEngine(sp.GetRequiredService<RuleSetHolder>(), policy.ToPolicyOptions(), sp.GetRequiredService<ILeaseTable>()));
            builder.Services.AddSingleton(sp => CreateLimits(limitSettings, sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddSingleton<Func<IMilterHandler>>(sp =>
            {
                PolicyEngine engine = sp.GetRequiredService<PolicyEngine>();
                ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Milter.Decisions");
                LimitEngine? limits = sp.GetRequiredService<LimitHolder>().Engine;
                return () => new PolicyMilterHandler(engine, logger, limits);
            });
            builder.Services.AddHostedService<MilterListenerService>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));

            using IHost host = builder.Build();
            try
            {
                host.Services.GetRequiredService<ILeaseTable>(); // an unusable lease store stops here, named
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException or FormatException or OptionsValidationException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"milter run: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The limit engine of <c>Milter:Limits</c> (none when disabled); the Redis store connects here.</summary>
    private static LimitHolder CreateLimits(LimitSettings settings, ILoggerFactory loggers)
    {
        if (!settings.Enabled)
        {
            return new LimitHolder(null, null);
        }

        FloodLimits limits = settings.ToFloodLimits();
        IRateLimitStore store = settings.UsesRedis
            ? new RedisRateLimitStore(settings.Redis, loggers.CreateLogger("Milter.Limits"))
            : new MemoryRateLimitStore(TimeProvider.System, settings.MaxEntries);
        var log = new LimitLog(loggers.CreateLogger("Milter.Limits"));
        return new LimitHolder(new LimitEngine(limits, store, log), store as IDisposable);
    }

    /// <summary>Owns the limit store (disposed with the host).</summary>
    private sealed class LimitHolder(LimitEngine? engine, IDisposable? store) : IDisposable
    {
        public LimitEngine? Engine { get; } = engine;

        public void Dispose() => store?.Dispose();
    }
}
