using System.Text;
using Microsoft.Extensions.Configuration;
using Milter.Host.Admin;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Host.Logging;
using Milter.Host.Metrics;
using Milter.Host.Redis;

namespace Milter.Host.Options;

/// <summary>
/// The <c>Milter</c> section: each property is one of its sections, so <see cref="SettingsSchema"/> derives every known
/// key from this class (a section added here is bound, checked and known at once). <see cref="Bind"/> checks the keys
/// and values, binds (lists replace their defaults: <see cref="SettingsBinder"/>), then checks every bound value; each
/// problem names its setting (<c>Milter:Policy:OwnAddresses:0: 'x' is not an IP address</c>).
/// </summary>
internal sealed class MilterSettings
{
    private MilterSettings(IConfiguration configuration)
    {
        Problems = ConfigurationKeys.Check(configuration);
        if (Problems.Count > 0)
        {
            return; // the binder would throw on a value its type cannot hold
        }

        SettingsBinder.Bind(configuration, SettingsSchema.MilterSection, this);
        List<string> ranges = [.. SettingRanges.Validate(SettingsSchema.Milter, this)];
        Problems =
        [
            .. ranges, .. Rules.Validate(), .. Policy.Validate(), .. Listener.Validate(), .. Limits.Validate(), .. Leases.Validate(),
            .. Leases.Drac.Validate(), .. Leases.LogFollower.Validate(), .. Leases.Journal.Validate(), .. Admin.Validate(), .. Logging.Validate(), .. Metrics.Validate(), .. Dns.Validate(), .. (ranges.Count == 0 ? StageTimeouts() : []), // sums of out-of-range values would only repeat them
            .. StateDirectoryFitsTheAdminSocket(), .. CrossChecks(),
        ];
        Warnings = [.. Policy.Deprecations()];
    }

    public ListenerSettings Listener { get; } = new();

    public RuleFilesSettings Rules { get; } = new();

    /// <summary>See <see cref="Options.StateDirectory"/>.</summary>
    public string? StateDirectory { get; set; }

    public PolicySettings Policy { get; } = new();

    public LimitSettings Limits { get; } = new();

    public LeaseSettings Leases { get; } = new();

    public AdminSettings Admin { get; } = new();

    public LoggingSettings Logging { get; } = new();

    public MetricsSettings Metrics { get; } = new();

    public DnsSettings Dns { get; } = new();

    public IReadOnlyList<string> Problems { get; }

    /// <summary>Settings that work but should change (a deprecated key), one line each, for the start to print.</summary>
    public IReadOnlyList<string> Warnings { get; } = [];

    public static MilterSettings Bind(IConfiguration configuration) => new(configuration);

    /// <summary>STATE/admin.sock must fit a unix socket address (108 bytes with the NUL, unix(7)).</summary>
    private IEnumerable<string> StateDirectoryFitsTheAdminSocket()
    {
        const string socket = global::Milter.Host.Admin.AdminSocketService.FileName;
        if (!string.IsNullOrEmpty(StateDirectory) && Encoding.UTF8.GetByteCount(Path.Combine(StateDirectory, socket)) > ListenerSettings.MaxUnixSocketPath)
        {
            yield return $"{Options.StateDirectory.Key}: '{StateDirectory}' is too long for the admin socket in it (at most {ListenerSettings.MaxUnixSocketPath - socket.Length - 1} bytes)";
        }
    }

    /// <summary>
    /// A stage waits for DNS (the sender domain check asks A, then AAAA and MX: two query deadlines at MAIL; the DNS
    /// lists one, at connect or under delay_checks at RCPT), the lease store and the limit store at most once each
    /// (their deadlines), all of which must end before the handler timeout closes the MTA's connection: else a slow
    /// resolver or a hung Redis drops sessions instead of answering the failure mode (a 4xx the MTA can explain).
    /// </summary>
    private IEnumerable<string> StageTimeouts()
    {
        int leaseMs = LeaseStoreSpec.TryParse(Leases.Store, out LeaseStoreSpec? spec, out _) && spec.Kind == LeaseStoreKind.Redis ? Leases.Redis.TimeoutMilliseconds : 0;
        int limitMs = Limits.UsesRedis ? Limits.Redis.TimeoutMilliseconds : 0;
        int dnsRounds = !Policy.AcceptUnresolvableDomains ? 2 : Policy.Dnsbl.Length > 0 ? 1 : 0;
        int dnsMs = dnsRounds * Dns.QueryDeadlineMilliseconds;
        if (leaseMs + limitMs + dnsMs == 0)
        {
            yield break;
        }

        double needed = (dnsMs + leaseMs + limitMs + RedisGuard.StageMarginMilliseconds) / 1000.0;
        if (Listener.HandlerTimeoutSeconds < needed)
        {
            List<string> parts = [];
            if (dnsMs > 0)
            {
                parts.Add($"DNS {dnsRounds} × ({DnsSettings.Section}:TimeoutMilliseconds {Dns.TimeoutMilliseconds} × ({DnsSettings.Section}:Retries {Dns.Retries} + 1) + {DnsSettings.QuerySlackMilliseconds} ms)"
                    + (dnsRounds == 2 ? $" for the sender domain check ({PolicySettings.Section}:AcceptUnresolvableDomains false)" : $" for {PolicySettings.Section}:Dnsbl"));
            }

            if (leaseMs > 0)
            {
                parts.Add($"Milter:Leases:Redis:TimeoutMilliseconds {leaseMs}");
            }

            if (limitMs > 0)
            {
                parts.Add($"Milter:Limits:Redis:TimeoutMilliseconds {limitMs}");
            }

            parts.Add($"{RedisGuard.StageMarginMilliseconds} ms margin");
            yield return $"{ListenerSettings.Section}:HandlerTimeoutSeconds: {Listener.HandlerTimeoutSeconds} s is shorter than a stage may wait ({needed} s: {string.Join(" + ", parts)}); raise it (below the MTA's milter timeouts) or shorten those";
        }
    }

    /// <summary>Settings that only make sense together (as Sendmail's m4 refuses FEATURE(ratecontrol, nodelay) without delay_checks).</summary>
    private IEnumerable<string> CrossChecks()
    {
        bool delayChecks = !string.Equals(Policy.DelayChecks, "Off", StringComparison.OrdinalIgnoreCase);
        foreach ((string name, ClientControlSettings control) in new[] { ("RateControl", Limits.RateControl), ("ConnControl", Limits.ConnControl) })
        {
            if (control.NoDelay && !delayChecks)
            {
                yield return $"{LimitSettings.Section}:{name}:NoDelay: needs {PolicySettings.Section}:DelayChecks (nodelay requires FEATURE(delay_checks))";
            }
        }
    }
}
