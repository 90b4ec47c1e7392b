namespace Milter.Protocol.Negotiation;

/// <summary>What a filter asks for at option negotiation. Immutable; one instance can serve every connection.</summary>
public sealed record MilterNegotiation
{
    /// <summary>Actions the filter cannot work without: the connection is refused when the MTA does not offer them.</summary>
    public MilterActions RequiredActions { get; init; }

    /// <summary>Actions the filter uses when the MTA offers them.</summary>
    public MilterActions OptionalActions { get; init; }

    /// <summary>Events the filter wants; the others are negotiated away with <c>SMFIP_NO*</c> where the MTA allows.</summary>
    public MilterEvents Events { get; init; } = MilterEvents.All;

    /// <summary>Events the filter never answers with anything but continue: the MTA does not wait for them (<c>SMFIP_NR_*</c>).</summary>
    public MilterEvents NoReply { get; init; }

    /// <summary>Ask for header values with their leading space intact (<c>SMFIP_HDR_LEADSPC</c>).</summary>
    public bool HeaderLeadingSpace { get; init; }

    /// <summary>Ask the MTA to understand SMFIR_SKIP (<c>SMFIP_SKIP</c>).</summary>
    public bool Skip { get; init; }

    /// <summary>Also receive recipients the MTA rejected itself (<c>SMFIP_RCPT_REJ</c>).</summary>
    public bool RejectedRecipients { get; init; }

    /// <summary>
    /// Macro lists per stage (<c>SMFIF_SETSYMLIST</c>), space separated names. An EOM list is sent together with
    /// an EOH list, because Sendmail 8.17 ignores the EOM list otherwise.
    /// </summary>
    public IReadOnlyDictionary<MacroStage, string> SymbolLists { get; init; } = new Dictionary<MacroStage, string>();

    /// <summary>The largest command data accepted; above 65535 the <c>SMFIP_MDS_*</c> bits are requested when offered.</summary>
    public int MaxDataSize { get; init; } = Framing.ProtocolLimits.DefaultMaxDataSize;

    /// <summary>Everything offered, every event, replies to all: what a plain filter gets.</summary>
    public static MilterNegotiation Default { get; } = new() { OptionalActions = MilterActions.All & ~MilterActions.SetSymbolList };
}
