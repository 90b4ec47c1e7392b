namespace Milter.Protocol.Negotiation;

/// <summary>The outcome of option negotiation that a session works with.</summary>
public sealed record NegotiatedOptions(
    uint Version,
    MilterActions Actions,
    MilterProtocolFlags Flags,
    MilterActions OfferedActions,
    MilterProtocolFlags OfferedFlags,
    int MaxDataSize)
{
    /// <summary>Before negotiation: nothing allowed, default data size.</summary>
    public static NegotiatedOptions Initial { get; } = new(
        0, MilterActions.None, MilterProtocolFlags.None, MilterActions.None, MilterProtocolFlags.None, Framing.ProtocolLimits.DefaultMaxDataSize);

    private static NegotiatedOptions? s_last;

    /// <summary>
    /// These options, as the instance made for the last negotiation when it had the same (an MTA negotiates alike on
    /// every connection, so its sessions share one instance instead of holding 40 bytes each).
    /// </summary>
    internal static NegotiatedOptions Shared(uint version, MilterActions actions, MilterProtocolFlags flags, MilterActions offeredActions, MilterProtocolFlags offeredFlags, int maxDataSize)
    {
        var options = new NegotiatedOptions(version, actions, flags, offeredActions, offeredFlags, maxDataSize);
        NegotiatedOptions? last = Volatile.Read(ref s_last);
        if (options.Equals(last))
        {
            return last!;
        }

        Volatile.Write(ref s_last, options);
        return options;
    }

    public bool Has(MilterActions action) => (Actions & action) == action;

    public bool Has(MilterProtocolFlags flag) => (Flags & flag) == flag;
}
