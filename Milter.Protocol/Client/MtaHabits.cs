using System.Net;
using System.Net.Sockets;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Client;

/// <summary>
/// What one MTA does that the protocol leaves open, as <see cref="MilterClient"/> imitates it: how a client address
/// is written, which commands get a macro packet, which extra packets a step accepts, when ABORT and QUIT are sent,
/// and how strictly a reply text is read. One instance per <see cref="MtaFlavor"/>.
/// </summary>
internal sealed class MtaHabits
{
    private static readonly MtaHabits SendmailHabits = new(MtaFlavor.Sendmail, macroStages: "CHMRE");
    private static readonly MtaHabits PostfixHabits = new(MtaFlavor.Postfix, macroStages: "CHMRTNELBU");

    private readonly MtaFlavor _flavor;
    private readonly string _macroStages;

    private MtaHabits(MtaFlavor flavor, string macroStages)
    {
        _flavor = flavor;
        _macroStages = macroStages;
    }

    private bool IsPostfix => _flavor == MtaFlavor.Postfix;

    public static MtaHabits Of(MtaFlavor flavor) => flavor == MtaFlavor.Postfix ? PostfixHabits : SendmailHabits;

    /// <summary>Postfix accepts PROGRESS and QUARANTINE at any step before the step's reply; Sendmail only at end of message.</summary>
    public bool TakesInterimPackets => IsPostfix;

    /// <summary>Postfix takes SHUTDOWN as a reply; Sendmail 8.17 treats it as an error.</summary>
    public bool AcceptsShutdown => IsPostfix;

    /// <summary>Postfix's mail_reset() sends ABORT after every message, completed or not.</summary>
    public bool AbortsAfterMessage => IsPostfix;

    /// <summary>The address text of CONNECT: Sendmail writes IPv6 addresses with an <c>IPv6:</c> prefix, Postfix bare.</summary>
    public string ClientAddress(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && !IsPostfix ? "IPv6:" + address : address.ToString();

    /// <summary>True when the MTA sends a macro packet before this stage's command even when it has no values for it.</summary>
    public bool SendsMacroPacket(char stage) => _macroStages.Contains(stage, StringComparison.Ordinal);

    /// <summary>
    /// Postfix's helo_reset() at the end of a session that said HELO calls milter_abort() (captured: A, A, Q after a
    /// message; Q alone after a session without HELO), unless a connection-level verdict ended it.
    /// </summary>
    public bool AbortsBeforeQuit(bool heloSeen, bool connectionVerdict) => IsPostfix && heloSeen && !connectionVerdict;

    /// <summary>Postfix closes without QUIT after a connection-level verdict; Sendmail always says QUIT.</summary>
    public bool QuitsAfter(bool connectionVerdict) => !(IsPostfix && connectionVerdict);

    /// <summary>Null when the MTA takes this REPLYCODE text; else what it finds wrong (Postfix checks every line).</summary>
    public string? ReplyTextProblem(string text) => IsPostfix
        ? SmtpReply.Validate(text)
        : text.Length < 3 || text[0] is not ('4' or '5') ? "first digit must be 4 or 5 and the code 3 characters" : null;
}
