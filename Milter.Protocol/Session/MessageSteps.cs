using Milter.Protocol.Negotiation;

namespace Milter.Protocol.Session;

/// <summary>
/// The order of the steps of one message (MAIL RCPT+ DATA HEADER* EOH BODY* EOM) and which of them may be
/// missing: DATA (MTAs before version 4 have none), HEADER and BODY (zero of them), and any step negotiated
/// away with <c>SMFIP_NO*</c>; right after RCPT any later step may come (as libmilter allows). Anything else out of
/// this order is a protocol violation.
/// </summary>
internal static class MessageSteps
{
    public const int EndOfMessageRank = 7;

    public static int Rank(SessionState state) => state switch
    {
        SessionState.Mail => 1,
        SessionState.Rcpt => 2,
        SessionState.Data => 3,
        SessionState.Header => 4,
        SessionState.EndOfHeaders => 5,
        SessionState.Body => 6,
        _ => 0,
    };

    public static bool IsInMessage(SessionState state) => Rank(state) > 0;

    /// <summary>Whether a step of rank <paramref name="target"/> may follow the current state.</summary>
    public static bool MayFollow(SessionState current, int target, NegotiatedOptions options)
    {
        int rank = Rank(current);
        if (target == rank)
        {
            return target is 2 or 4 or 6; // RCPT, HEADER and BODY repeat
        }

        if (target < rank)
        {
            return false;
        }

        if (rank == 2)
        {
            return true; // libmilter lets RCPT be followed by DATA, HEADER, EOH, BODY or EOM directly
        }

        for (int skipped = rank + 1; skipped < target; skipped++)
        {
            if (!MayBeMissing(skipped, options))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MayBeMissing(int rank, NegotiatedOptions options) => rank switch
    {
        1 => options.Has(MilterProtocolFlags.NoMail),
        2 => options.Has(MilterProtocolFlags.NoRcpt),
        3 or 4 or 6 => true,
        5 => options.Has(MilterProtocolFlags.NoEndOfHeaders),
        _ => false,
    };
}
