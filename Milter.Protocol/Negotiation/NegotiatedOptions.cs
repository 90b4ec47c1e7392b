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

    public bool Has(MilterActions action) => (Actions & action) == action;

    public bool Has(MilterProtocolFlags flag) => (Flags & flag) == flag;
}
