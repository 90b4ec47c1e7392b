using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy;

/// <summary>An immutable snapshot of <see cref="PolicyOptions"/> with replies parsed and extra class members built.</summary>
internal sealed class CompiledPolicy
{
    public CompiledPolicy(PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RelayEntireDomain = options.RelayEntireDomain;
        RelayHostsOnly = options.RelayHostsOnly;
        BlocklistRecipients = options.BlocklistRecipients;
        DelayChecks = options.DelayChecks;
        LookupDotDomain = options.LookupDotDomain;
        RelayToFullAddress = options.RelayToFullAddress;
        AccessSkip = options.AccessSkip;
        LooseRelayCheck = options.LooseRelayCheck;
        AcceptUnqualifiedSenders = options.AcceptUnqualifiedSenders;
        AcceptUnresolvableDomains = options.AcceptUnresolvableDomains;
        Dnsbl = (options.Dnsbl ?? []).Select((list, i) =>
        {
            try
            {
                return new DnsblList(list);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Dnsbl:{i}: {ex.Message}", nameof(options), ex);
            }
        }).ToArray();
        TraceLookups = options.TraceLookups;
        TrustedMechanisms = new HashSet<string>(options.TrustedAuthMechanisms.Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m.Trim()),
            StringComparer.OrdinalIgnoreCase);

        var extra = HostClass.NewMap();
        Add(extra, "localhost", 'w', "built-in");
        if (!string.IsNullOrWhiteSpace(options.HostName))
        {
            HostName = options.HostName.Trim().TrimEnd('.');
            var firstDot = HostName.IndexOf('.', StringComparison.Ordinal);
            HostDomain = firstDot > 0 ? HostName[(firstDot + 1)..] : null;
            Add(extra, HostName, 'w', "PolicyOptions.HostName");
        }

        foreach (var own in options.OwnAddresses)
        {
            if (!ClientAddress.TryParse(own, out var address))
            {
                throw new ArgumentException($"OwnAddresses: '{own}' is not an IP address", nameof(options));
            }

            Add(extra, "[" + address + "]", 'w', "PolicyOptions.OwnAddresses");
        }

        ExtraLocalNames = new HostClass('w', extra);

        var domains = HostClass.NewMap();
        foreach (var domain in options.HostDomains)
        {
            Add(domains, domain.Trim().TrimEnd('.'), 'm', "PolicyOptions.HostDomains");
        }

        if (domains.Count == 0 && options.HostName?.Trim().TrimEnd('.') is { } host && host.IndexOf('.', StringComparison.Ordinal) is var dot and > 0)
        {
            Add(domains, host[(dot + 1)..], 'm', "PolicyOptions.HostName");
        }

        HostDomains = new HostClass('m', domains);

        var replies = options.Replies ?? new ReplyTexts();
        AccessDenied = ParseReply(replies.AccessDenied, nameof(ReplyTexts.AccessDenied));
        RecipientRejected = ParseReply(replies.RecipientRejected, nameof(ReplyTexts.RecipientRejected));
        RelayDenied = TrustedMechanisms.Count > 0
            ? ParseReply(replies.RelayDeniedAuthRequired, nameof(ReplyTexts.RelayDeniedAuthRequired))
            : ParseReply(replies.RelayDenied, nameof(ReplyTexts.RelayDenied));
        TemporaryFailure = ParseReply(replies.TemporaryFailure, nameof(ReplyTexts.TemporaryFailure));
    }

    public bool RelayEntireDomain { get; }
    public bool RelayHostsOnly { get; }
    public bool BlocklistRecipients { get; }
    public DelayChecksMode DelayChecks { get; }
    public bool LookupDotDomain { get; }
    public bool RelayToFullAddress { get; }
    public bool AccessSkip { get; }
    public bool LooseRelayCheck { get; }
    public bool AcceptUnqualifiedSenders { get; }
    public bool AcceptUnresolvableDomains { get; }

    /// <summary>The DNS lists, in the order Sendmail asks them.</summary>
    public DnsblList[] Dnsbl { get; }
    public bool TraceLookups { get; }
    public HashSet<string> TrustedMechanisms { get; }

    /// <summary><c>$j</c> (trimmed, no trailing dot): the canonical host name (localhost forms and own address literals become it), or null.</summary>
    public string? HostName { get; }

    /// <summary><c>$m</c>: the domain part of <c>$j</c> (for <c>localhost.$m</c>), or null.</summary>
    public string? HostDomain { get; }

    /// <summary>Class w members that do not come from local-host-names: localhost, $j, [own addresses].</summary>
    public HostClass ExtraLocalNames { get; }

    /// <summary>Class m.</summary>
    public HostClass HostDomains { get; }

    public PolicyReply AccessDenied { get; }
    public PolicyReply RecipientRejected { get; }
    public PolicyReply RelayDenied { get; }
    public PolicyReply TemporaryFailure { get; }

    public static readonly PolicyReply UserAddressRequired = new(553, "5.1.1", "User address required");
    public static readonly PolicyReply RealDomainRequired = new(553, "5.5.4", "Real domain name required for sender address");

    /// <summary>An <c>{auth_type}</c> in TRUST_AUTH_MECH.</summary>
    public bool IsTrusted(string? mechanism) => mechanism is { Length: > 0 } m && TrustedMechanisms.Contains(m);

    internal static PolicyReply ParseReply(string text, string name) =>
        PolicyReply.TryParse(text, out var reply) ? reply! : throw new ArgumentException($"ReplyTexts.{name}: '{text}' is not \"NNN D.S.N text\" with a 4xx/5xx code");

    private static void Add(Dictionary<string, ClassEntry> map, string name, char className, string source) =>
        map.TryAdd(name, new ClassEntry(name.ToLowerInvariant(), className, source, 0));
}
