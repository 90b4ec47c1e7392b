using Milter.Protocol.Commands;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Negotiation;

/// <summary>
/// Pure OPTNEG logic, both sides agree on it: version = min(offered, 6), MTA versions below 2 refused; masks
/// intersected; <c>NO*</c>/<c>NR*</c> only where offered; zero offers read as version 1 masks (as libmilter).
/// </summary>
public static class OptionNegotiator
{
    public static (OptionNegotiationReply Reply, NegotiatedOptions Options) Negotiate(OptionNegotiationCommand offer, MilterNegotiation wanted)
    {
        if (offer.Version < ProtocolLimits.MinimumProtocolVersion)
        {
            MilterProtocolException.Throw(ProtocolViolation.NegotiationFailed, $"MTA protocol version {offer.Version} is below 2");
        }

        uint version = Math.Min(offer.Version, ProtocolLimits.ProtocolVersion);
        MilterActions offeredActions = offer.Actions == MilterActions.None ? MilterActions.Version1 : offer.Actions;
        MilterProtocolFlags offeredFlags = offer.Flags == MilterProtocolFlags.None ? MilterProtocolFlags.Version1 : offer.Flags;

        MilterActions missing = wanted.RequiredActions & ~offeredActions;
        if (missing != MilterActions.None)
        {
            MilterProtocolException.Throw(
                ProtocolViolation.NegotiationFailed,
                $"MTA does not offer required actions {missing} (offered 0x{(uint)offeredActions:X}, required 0x{(uint)wanted.RequiredActions:X})");
        }

        MilterActions actions = (wanted.RequiredActions | wanted.OptionalActions) & offeredActions & ~MilterActions.SetSymbolList;
        var lists = new List<KeyValuePair<MacroStage, string>>();
        if (wanted.SymbolLists.Count > 0 && version >= 6 && (offeredActions & MilterActions.SetSymbolList) != 0)
        {
            actions |= MilterActions.SetSymbolList;
            foreach (KeyValuePair<MacroStage, string> list in wanted.SymbolLists.OrderBy(l => l.Key))
            {
                lists.Add(list);
            }

            // Sendmail 8.17 honours a milter's EOM list only when an EOH list was sent too.
            if (wanted.SymbolLists.TryGetValue(MacroStage.EndOfMessage, out string? eom) && !wanted.SymbolLists.ContainsKey(MacroStage.EndOfHeaders))
            {
                lists.Add(new(MacroStage.EndOfHeaders, eom));
            }
        }

        MilterProtocolFlags flags = MilterProtocolFlags.None;
        foreach ((MilterEvents ev, MilterProtocolFlags no, MilterProtocolFlags noReply) in EventFlags)
        {
            if ((wanted.Events & ev) == 0)
            {
                flags |= no & offeredFlags;
            }
            else if ((wanted.NoReply & ev) != 0)
            {
                flags |= noReply & offeredFlags;
            }
        }

        if (wanted.HeaderLeadingSpace)
        {
            flags |= MilterProtocolFlags.HeaderLeadingSpace & offeredFlags;
        }

        if (wanted.Skip)
        {
            flags |= MilterProtocolFlags.Skip & offeredFlags;
        }

        if (wanted.RejectedRecipients)
        {
            flags |= MilterProtocolFlags.RcptRejected & offeredFlags;
        }

        int maxDataSize = Math.Clamp(wanted.MaxDataSize, ProtocolLimits.DefaultMaxDataSize, ProtocolLimits.MaxDataSize1M);
        if (maxDataSize > ProtocolLimits.MaxDataSize256K && (offeredFlags & MilterProtocolFlags.MaxDataSize1M) != 0)
        {
            flags |= MilterProtocolFlags.MaxDataSize1M;
        }
        else if (maxDataSize > ProtocolLimits.DefaultMaxDataSize && (offeredFlags & MilterProtocolFlags.MaxDataSize256K) != 0)
        {
            flags |= MilterProtocolFlags.MaxDataSize256K;
        }

        var reply = new OptionNegotiationReply(version, actions, flags, lists);
        var options = NegotiatedOptions.Shared(version, actions, flags, offeredActions, offeredFlags, maxDataSize);
        return (reply, options);
    }

    /// <summary>Each event with its "don't send" and "don't wait for a reply" bit.</summary>
    internal static readonly (MilterEvents Event, MilterProtocolFlags No, MilterProtocolFlags NoReply)[] EventFlags =
    [
        (MilterEvents.Connect, MilterProtocolFlags.NoConnect, MilterProtocolFlags.NoReplyConnect),
        (MilterEvents.Helo, MilterProtocolFlags.NoHelo, MilterProtocolFlags.NoReplyHelo),
        (MilterEvents.Mail, MilterProtocolFlags.NoMail, MilterProtocolFlags.NoReplyMail),
        (MilterEvents.Rcpt, MilterProtocolFlags.NoRcpt, MilterProtocolFlags.NoReplyRcpt),
        (MilterEvents.Data, MilterProtocolFlags.NoData, MilterProtocolFlags.NoReplyData),
        (MilterEvents.Header, MilterProtocolFlags.NoHeaders, MilterProtocolFlags.NoReplyHeader),
        (MilterEvents.EndOfHeaders, MilterProtocolFlags.NoEndOfHeaders, MilterProtocolFlags.NoReplyEndOfHeaders),
        (MilterEvents.Body, MilterProtocolFlags.NoBody, MilterProtocolFlags.NoReplyBody),
        (MilterEvents.Unknown, MilterProtocolFlags.NoUnknown, MilterProtocolFlags.NoReplyUnknown),
    ];
}
