using Milter.Policy;

namespace Milter.Oracle.Tests.Profiles;

/// <summary>The profiles of issue 12 item 1, each compared on the same generated rule files and sessions.</summary>
public static class OracleProfiles
{
    public static IReadOnlyList<OracleProfile> All { get; } =
    [
        new("access_db"),
        new("delay_checks", DelayChecks: DelayChecksMode.On),
        new("delay_checks,friend", DelayChecks: DelayChecksMode.Friend),
        new("delay_checks,hater", DelayChecks: DelayChecksMode.Hater),
        new("delay_checks,friend+blocklist", DelayChecks: DelayChecksMode.Friend, BlocklistRecipients: true),
        new("relay_entire_domain", RelayEntireDomain: true),
        new("relay_hosts_only", RelayHostsOnly: true),
        new("access_db-noskip", Skip: false),
        new("blocklist_recipients", BlocklistRecipients: true),
        new("no-TRUST_AUTH_MECH", TrustAuthMech: false),
    ];

    public static OracleProfile Named(string name) => All.Single(p => p.Name == name);
}
