namespace Milter.Protocol.Client;

/// <summary>How <see cref="MilterClient"/> plays the MTA.</summary>
public sealed class MilterClientOptions
{
    public MtaFlavor Flavor { get; set; } = MtaFlavor.Sendmail;

    /// <summary>Protocol version offered (2 to 6).</summary>
    public uint Version { get; set; } = 6;

    /// <summary>Actions offered; both MTAs offer all of them.</summary>
    public MilterActions OfferedActions { get; set; } = MilterActions.All;

    /// <summary>Protocol steps offered; both MTAs offer all of them by default.</summary>
    public MilterProtocolFlags OfferedFlags { get; set; } = MilterProtocolFlags.All;

    /// <summary>How long to wait for each reply packet (Sendmail <c>T=R:10s</c>).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Overall limit of the end-of-message exchange, not extended by PROGRESS (Sendmail <c>T=E:5m</c>).</summary>
    public TimeSpan EndOfMessageTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Macro values sent before each command, by stage letter (<c>'C'</c>, <c>'M'</c>…), when a call does not
    /// pass its own. A stage with a macro packet in the flavor's habits gets one even when it has no values.
    /// </summary>
    public IDictionary<char, IReadOnlyList<KeyValuePair<string, string>>> Macros { get; } =
        new Dictionary<char, IReadOnlyList<KeyValuePair<string, string>>>();
}
