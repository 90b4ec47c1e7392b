using System.Text;
using Milter.Protocol.Framing;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Client;

/// <summary>
/// The MTA's checks of what a milter answers: a negotiation reply within the offer, a response allowed at its step,
/// message changes only with their negotiated action, a well-formed REPLYCODE text. Each failure is a
/// <see cref="MilterProtocolException"/> that names the step and the packet.
/// </summary>
internal static class ReplyConformance
{
    /// <summary>The options agreed by an OPTNEG reply, which must ask for nothing that was not offered.</summary>
    public static NegotiatedOptions Negotiated(OptionNegotiationReply reply, MilterClientOptions offer)
    {
        if (reply.Version < ProtocolLimits.MinimumProtocolVersion || reply.Version > offer.Version)
        {
            throw new MilterProtocolException(ProtocolViolation.NegotiationFailed, $"milter answered version {reply.Version} to an offer of {offer.Version}");
        }

        MilterActions extraActions = reply.Actions & ~offer.OfferedActions;
        MilterProtocolFlags extraFlags = reply.Flags & ~offer.OfferedFlags;
        if (extraActions != 0 || extraFlags != 0)
        {
            throw new MilterProtocolException(
                ProtocolViolation.NegotiationFailed,
                $"milter asked for what was not offered: actions 0x{(uint)extraActions:X}, steps 0x{(uint)extraFlags:X}");
        }

        int maxData = (reply.Flags & MilterProtocolFlags.MaxDataSize1M) != 0 ? ProtocolLimits.MaxDataSize1M
            : (reply.Flags & MilterProtocolFlags.MaxDataSize256K) != 0 ? ProtocolLimits.MaxDataSize256K
            : ProtocolLimits.DefaultMaxDataSize;
        return new NegotiatedOptions(reply.Version, reply.Actions, reply.Flags, offer.OfferedActions, offer.OfferedFlags, maxData);
    }

    /// <summary>A message change at end of message, allowed only when its action was negotiated.</summary>
    public static MessageModification Modification(MilterResponseCode response, ReadOnlyMemory<byte> data, NegotiatedOptions negotiated)
    {
        MessageModification change = MessageModification.Parse(response, data);
        if (!negotiated.Has(change.RequiredAction))
        {
            throw new MilterProtocolException(
                ProtocolViolation.UnexpectedResponse,
                $"milter sent {response} ('{(char)response}') without the {change.RequiredAction} action it did not negotiate");
        }

        return change;
    }

    /// <summary>The step's final reply, if this response may end <paramref name="what"/>.</summary>
    public static MilterReply FinalReply(byte code, ReadOnlyMemory<byte> data, string what, bool endOfMessage, NegotiatedOptions negotiated, MtaHabits habits)
    {
        var response = (MilterResponseCode)code;
        switch (response)
        {
            case MilterResponseCode.Continue:
            case MilterResponseCode.Accept:
            case MilterResponseCode.Reject:
            case MilterResponseCode.TempFail:
            case MilterResponseCode.Discard:
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.Skip when !endOfMessage && negotiated.Has(MilterProtocolFlags.Skip):
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.Shutdown when habits.AcceptsShutdown:
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.ReplyCode:
                return new MilterReply(response, ReplyText(data, what, habits), MilterReplyKind.Answered);
            default:
                throw Unexpected(code, what);
        }
    }

    /// <summary>The error for a response that is not allowed at <paramref name="what"/>, with the rule it broke.</summary>
    public static MilterProtocolException Unexpected(byte code, string what)
    {
        string detail = code switch
        {
            (byte)MilterResponseCode.Progress => " (Sendmail accepts PROGRESS only at end of message)",
            (byte)MilterResponseCode.Shutdown => " (Sendmail 8.17 treats SHUTDOWN as an error)",
            (byte)MilterResponseCode.Skip => " (SKIP was not negotiated or is not allowed here)",
            (byte)MilterResponseCode.ConnectionFailure => " (no MTA accepts CONN_FAIL)",
            _ when MessageModification.IsModification((MilterResponseCode)code) => " (message changes are allowed only at end of message)",
            _ => string.Empty,
        };
        return new MilterProtocolException(ProtocolViolation.UnexpectedResponse, $"milter answered {what} with '{(char)code}'{detail}");
    }

    private static string ReplyText(ReadOnlyMemory<byte> data, string what, MtaHabits habits)
    {
        int nul = data.Span.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new MilterProtocolException(ProtocolViolation.MissingNul, $"{what}: REPLYCODE text is not NUL-terminated");
        }

        string text = Encoding.Latin1.GetString(data.Span[..nul]);
        string? problem = habits.ReplyTextProblem(text);
        if (problem is not null)
        {
            throw new MilterProtocolException(ProtocolViolation.InvalidReply, $"{what}: invalid REPLYCODE \"{text}\": {problem}");
        }

        return text;
    }
}
