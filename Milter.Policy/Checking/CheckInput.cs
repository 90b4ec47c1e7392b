using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>The inputs of <c>milter check</c>: one simulated SMTP session.</summary>
public sealed class CheckInput
{
    /// <summary>Client address in any form; empty = local client.</summary>
    public string ClientAddress { get; init; } = string.Empty;

    public string? ClientName { get; init; }

    public ClientResolve Resolve { get; init; }

    public string? Helo { get; init; }

    /// <summary>MAIL FROM argument as the client writes it (<c>&lt;a@b&gt;</c>, <c>&lt;&gt;</c>); null = no MAIL.</summary>
    public string? From { get; init; }

    public IReadOnlyList<string> Recipients { get; init; } = [];

    public string? AuthType { get; init; }

    public string? AuthUser { get; init; }

    /// <summary>Simulated lease answer; null = use the engine's own store.</summary>
    public LeaseStatus? Lease { get; init; }
}
