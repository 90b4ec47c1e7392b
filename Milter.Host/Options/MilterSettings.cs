using Microsoft.Extensions.Configuration;
using Milter.Host.Leases;
using Milter.Host.Leases.Feeds;
using Milter.Host.Logging;
using Milter.Host.Metrics;

namespace Milter.Host.Options;

/// <summary>
/// Every <c>Milter:…</c> section <c>milter run</c> binds at start, and what is wrong with them, each problem naming its
/// setting (<c>Milter:Policy:OwnAddresses:0: 'x' is not an IP address</c>).
/// </summary>
internal sealed class MilterSettings
{
    private MilterSettings(IConfiguration configuration)
    {
        configuration.GetSection(PolicySettings.Section).Bind(Policy);
        configuration.GetSection(ListenerOptions.Section).Bind(Listener);
        configuration.GetSection(LimitSettings.Section).Bind(Limits);
        configuration.GetSection(LeaseSettings.Section).Bind(Leases);
        configuration.GetSection(LoggingSettings.Section).Bind(Logging);
        configuration.GetSection(MetricsSettings.Section).Bind(Metrics);
        configuration.GetSection(RuleFilesOptions.Section).Bind(Rules);
        Problems = [.. Rules.Validate(), .. Policy.Validate(), .. Listener.Validate(), .. Limits.Validate(), .. Leases.Validate(), .. LeaseFeeds.Validate(configuration), .. Logging.Validate(), .. Metrics.Validate()];
    }

    public PolicySettings Policy { get; } = new();

    public RuleFilesOptions Rules { get; } = new();

    public ListenerOptions Listener { get; } = new();

    public LimitSettings Limits { get; } = new();

    public LeaseSettings Leases { get; } = new();

    public LoggingSettings Logging { get; } = new();

    public MetricsSettings Metrics { get; } = new();

    public IReadOnlyList<string> Problems { get; }

    public static MilterSettings Bind(IConfiguration configuration) => new(configuration);
}
