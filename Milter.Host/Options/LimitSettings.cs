using System.ComponentModel.DataAnnotations;
using Milter.Policy.Limits;

namespace Milter.Host.Options;

/// <summary>
/// Settings under <c>Milter:Limits</c>: flood and mail-bomb limits (docs/limits.md). Every limit has its own
/// section; the defaults are documented in README.md.
/// </summary>
public sealed class LimitSettings
{
    public const string Section = "Milter:Limits";

    /// <summary>Master switch: false = no limit is checked (ClientRate:/ClientConn: entries included).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Audit mode for every limit.</summary>
    public bool Audit { get; set; }

    /// <summary><c>Memory</c> (this process) or <c>Redis</c> (shared by every milter on the same Redis).</summary>
    public string Store { get; set; } = "Memory";

    /// <summary>Keys kept per rate limit in memory (the bound of docs/limits.md: 48 MiB per limit at the default, 192 MiB at most).</summary>
    [Range(1, 4_194_304)]
    public int MaxEntries { get; set; } = MemoryRateLimitStore.DefaultMaxEntries;

    /// <summary>Honour Sendmail's <c>ClientRate:</c> and <c>ClientConn:</c> access entries (FEATURE ratecontrol / conncontrol).</summary>
    public bool AccessEntries { get; set; } = true;

    /// <summary>Sendmail's confCONNECTION_RATE_WINDOW_SIZE: what <c>ClientRate:</c> counts connections over (6–86400 s; Debian's .mc says 10m).</summary>
    [Range(6, 86400)]
    public int ConnectionRateWindowSeconds { get; set; } = 60;

    /// <summary>FEATURE(ratecontrol)'s arguments: <c>NoDelay</c>, <c>Terminate</c>.</summary>
    public ClientControlSettings RateControl { get; set; } = new();

    /// <summary>FEATURE(conncontrol)'s arguments: <c>NoDelay</c>, <c>Terminate</c>.</summary>
    public ClientControlSettings ConnControl { get; set; } = new();

    [Range(8, 32)]
    public int NetworkPrefixV4 { get; set; } = 24;

    [Range(16, 128)]
    public int NetworkPrefixV6 { get; set; } = 64;

    public RedisLimitSettings Redis { get; set; } = new();

    public CountLimitSettings ClientConnections { get; set; } = new(50, "ConnectOk,Leased");

    public RateLimitSettings ClientConnectionRate { get; set; } = new(120, 60, "ConnectOk,Leased");

    public RateLimitSettings ClientMessageRate { get; set; } = new(120, 60, "Trusted");

    public RateLimitSettings NetworkMessageRate { get; set; } = new(0, 60, "Trusted");

    public RateLimitSettings SenderMessageRate { get; set; } = new(0, 3600, "ConnectOk,Leased");

    public RateLimitSettings UserMessageRate { get; set; } = new(500, 3600, "None");

    public RateLimitSettings ServerMessageRate { get; set; } = new(0, 60, "None");

    public RateLimitSettings ClientRecipientRate { get; set; } = new(600, 60, "Trusted");

    public RateLimitSettings NetworkRecipientRate { get; set; } = new(0, 60, "Trusted");

    public RateLimitSettings SenderRecipientRate { get; set; } = new(0, 3600, "ConnectOk,Leased");

    public RateLimitSettings UserRecipientRate { get; set; } = new(2000, 3600, "None");

    public RateLimitSettings ServerRecipientRate { get; set; } = new(0, 60, "None");

    public RateLimitSettings MailBomb { get; set; } = new(30, 3600, "ConnectOk");

    public CountLimitSettings RecipientsPerMessage { get; set; } = new(1000, "None");

    public bool UsesRedis => Enabled && string.Equals(Store, "Redis", StringComparison.OrdinalIgnoreCase);

    private IEnumerable<(string Name, RateLimitSettings Settings, LimitScope Scope)> Rates =>
    [
        (nameof(ClientConnectionRate), ClientConnectionRate, LimitScope.Client),
        (nameof(ClientMessageRate), ClientMessageRate, LimitScope.Client),
        (nameof(NetworkMessageRate), NetworkMessageRate, LimitScope.Network),
        (nameof(SenderMessageRate), SenderMessageRate, LimitScope.Sender),
        (nameof(UserMessageRate), UserMessageRate, LimitScope.User),
        (nameof(ServerMessageRate), ServerMessageRate, LimitScope.Server),
        (nameof(ClientRecipientRate), ClientRecipientRate, LimitScope.Client),
        (nameof(NetworkRecipientRate), NetworkRecipientRate, LimitScope.Network),
        (nameof(SenderRecipientRate), SenderRecipientRate, LimitScope.Sender),
        (nameof(UserRecipientRate), UserRecipientRate, LimitScope.User),
        (nameof(ServerRecipientRate), ServerRecipientRate, LimitScope.Server),
        (nameof(MailBomb), MailBomb, LimitScope.SenderRecipient),
    ];

    public IEnumerable<string> Validate()
    {
        if (!string.Equals(Store, "Memory", StringComparison.OrdinalIgnoreCase) && !string.Equals(Store, "Redis", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{Section}:Store: '{Store}' is not Memory or Redis";
        }

        foreach (string problem in ClientConnections.Validate($"{Section}:{nameof(ClientConnections)}")
                     .Concat(RecipientsPerMessage.Validate($"{Section}:{nameof(RecipientsPerMessage)}"))
                     .Concat(Rates.SelectMany(r => r.Settings.Validate($"{Section}:{r.Name}")))
                     .Concat(UsesRedis ? Redis.Validate($"{Section}:Redis") : []))
        {
            yield return problem;
        }
    }

    /// <summary>The limits in force (call after <see cref="Validate"/> found nothing).</summary>
    public FloodLimits ToFloodLimits() => new()
    {
        Audit = Audit,
        AccessEntries = AccessEntries,
        ConnectionRateWindow = TimeSpan.FromSeconds(ConnectionRateWindowSeconds),
        RateControl = RateControl.ToMode(),
        ConnControl = ConnControl.ToMode(),
        NetworkPrefixV4 = NetworkPrefixV4,
        NetworkPrefixV6 = NetworkPrefixV6,
        ClientConnections = ClientConnections.ToLimit(nameof(ClientConnections)),
        RecipientsPerMessage = RecipientsPerMessage.ToLimit(nameof(RecipientsPerMessage)),
        ClientConnectionRate = ClientConnectionRate.ToLimit(nameof(ClientConnectionRate), LimitScope.Client),
        ClientMessageRate = ClientMessageRate.ToLimit(nameof(ClientMessageRate), LimitScope.Client),
        NetworkMessageRate = NetworkMessageRate.ToLimit(nameof(NetworkMessageRate), LimitScope.Network),
        SenderMessageRate = SenderMessageRate.ToLimit(nameof(SenderMessageRate), LimitScope.Sender),
        UserMessageRate = UserMessageRate.ToLimit(nameof(UserMessageRate), LimitScope.User),
        ServerMessageRate = ServerMessageRate.ToLimit(nameof(ServerMessageRate), LimitScope.Server),
        ClientRecipientRate = ClientRecipientRate.ToLimit(nameof(ClientRecipientRate), LimitScope.Client),
        NetworkRecipientRate = NetworkRecipientRate.ToLimit(nameof(NetworkRecipientRate), LimitScope.Network),
        SenderRecipientRate = SenderRecipientRate.ToLimit(nameof(SenderRecipientRate), LimitScope.Sender),
        UserRecipientRate = UserRecipientRate.ToLimit(nameof(UserRecipientRate), LimitScope.User),
        ServerRecipientRate = ServerRecipientRate.ToLimit(nameof(ServerRecipientRate), LimitScope.Server),
        MailBomb = MailBomb.ToLimit(nameof(MailBomb), LimitScope.SenderRecipient),
    };

    internal static bool TryParseExempt(string? text, out LimitExemptions exempt)
    {
        exempt = LimitExemptions.None;
        foreach (string part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, out _) || !Enum.TryParse(part, ignoreCase: true, out LimitExemptions one))
            {
                return false;
            }

            exempt |= one;
        }

        return true;
    }

    internal static LimitExemptions ParseExempt(string? text) => TryParseExempt(text, out LimitExemptions e) ? e : LimitExemptions.None;
}
