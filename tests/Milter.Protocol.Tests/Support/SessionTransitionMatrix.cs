using Milter.Protocol.Session;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests.Support;

/// <summary>
/// The milter command order written out by hand, independent of the session's own table: for every state and
/// command, the state the session moves to, or none (a protocol violation). The grid holds what happens with no
/// <c>SMFIP_NO*</c> step negotiated away; <see cref="Overrides"/> what changes when some are.
/// </summary>
internal static class SessionTransitionMatrix
{
    public const string Commands = "ODCHMRTLNBEUAKQ";

    // Cells: '-' protocol violation, '=' stays, otherwise the next state:
    // n AwaitNegotiation, a AwaitConnect, c Connected, m Mail, r Rcpt, t Data, l Header, h EndOfHeaders, b Body, q Closed.
    private static readonly (SessionState State, string Row)[] Grid =
    [
        //                                 O D C H M R T L N B E U A K Q
        (SessionState.AwaitNegotiation, "a = - - - - - - - - - - - - -"),
        (SessionState.AwaitConnect,     "- = c - - - - - - - - = = a q"),
        (SessionState.Connected,        "- = - c m - - - - - - = = a q"),
        (SessionState.Mail,             "- = - c m r - - - - - = c a q"),
        (SessionState.Rcpt,             "- = - c m r t l h b c = c a q"),
        (SessionState.Data,             "- = - c m - - l h - - = c a q"),
        (SessionState.Header,           "- = - c m - - l h - - = c a q"),
        (SessionState.EndOfHeaders,     "- = - c m - - - - b c = c a q"),
        (SessionState.Body,             "- = - c m - - - - b c = c a q"),
        (SessionState.Closed,           "- - - - - - - - - - - - - - -"),
    ];

    /// <summary>Cells that differ when the flags are all negotiated (steps the MTA will not send may be skipped).</summary>
    private static readonly (MilterProtocolFlags Flags, SessionState State, char Command, SessionState? Next)[] Overrides =
    [
        (MilterProtocolFlags.NoConnect, SessionState.AwaitNegotiation, 'O', SessionState.Connected),
        (MilterProtocolFlags.NoMail, SessionState.Connected, 'R', SessionState.Rcpt),
        (MilterProtocolFlags.NoRcpt, SessionState.Mail, 'T', SessionState.Data),
        (MilterProtocolFlags.NoRcpt, SessionState.Mail, 'L', SessionState.Header),
        (MilterProtocolFlags.NoRcpt, SessionState.Mail, 'N', SessionState.EndOfHeaders),
        (MilterProtocolFlags.NoEndOfHeaders, SessionState.Data, 'B', SessionState.Body),
        (MilterProtocolFlags.NoEndOfHeaders, SessionState.Data, 'E', SessionState.Connected),
        (MilterProtocolFlags.NoEndOfHeaders, SessionState.Header, 'B', SessionState.Body),
        (MilterProtocolFlags.NoEndOfHeaders, SessionState.Header, 'E', SessionState.Connected),
        (MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt, SessionState.Connected, 'T', SessionState.Data),
        (MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt, SessionState.Connected, 'L', SessionState.Header),
        (MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt, SessionState.Connected, 'N', SessionState.EndOfHeaders),
        (MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt | MilterProtocolFlags.NoEndOfHeaders, SessionState.Connected, 'B', SessionState.Body),
        (MilterProtocolFlags.NoRcpt | MilterProtocolFlags.NoEndOfHeaders, SessionState.Mail, 'B', SessionState.Body),
        (MilterProtocolFlags.NoRcpt | MilterProtocolFlags.NoEndOfHeaders, SessionState.Mail, 'E', SessionState.Connected),
        // End of message never starts a message, even with MAIL negotiated away: (Connected, 'E') stays a violation.
    ];

    public static IReadOnlyList<SessionState> States { get; } = Enum.GetValues<SessionState>();

    /// <summary>The state after <paramref name="command"/> in <paramref name="state"/>, or null for a protocol violation.</summary>
    public static SessionState? Expected(SessionState state, char command, MilterProtocolFlags flags)
    {
        if (command == 'K' && (flags & MilterProtocolFlags.NoConnect) != 0 && state is not (SessionState.AwaitNegotiation or SessionState.Closed))
        {
            return SessionState.Connected; // QUIT_NC starts the next SMTP session at once: no CONNECT will come
        }

        SessionState? next = null;
        bool overridden = false;
        foreach ((MilterProtocolFlags needs, SessionState from, char code, SessionState? to) in Overrides)
        {
            if (from == state && code == command && (flags & needs) == needs)
            {
                next = to;
                overridden = true;
            }
        }

        if (overridden)
        {
            return next;
        }

        string row = Grid.Single(g => g.State == state).Row.Replace(" ", string.Empty, StringComparison.Ordinal);
        char cell = row[Commands.IndexOf(command, StringComparison.Ordinal)];
        return cell switch
        {
            '-' => null,
            '=' => state,
            'n' => SessionState.AwaitNegotiation,
            'a' => SessionState.AwaitConnect,
            'c' => SessionState.Connected,
            'm' => SessionState.Mail,
            'r' => SessionState.Rcpt,
            't' => SessionState.Data,
            'l' => SessionState.Header,
            'h' => SessionState.EndOfHeaders,
            'b' => SessionState.Body,
            'q' => SessionState.Closed,
            _ => throw new InvalidOperationException($"bad cell '{cell}'"),
        };
    }

    /// <summary>A well-formed packet of each command.</summary>
    public static byte[] Packet(char command) => command switch
    {
        'O' => OptNeg(),
        'D' => Frame('D', Raw("M"), Z("i"), Z("Q1")),
        'C' => Connect4(),
        'H' => Frame('H', Z("client.example")),
        'M' => Frame('M', Z("<a@b>")),
        'R' => Frame('R', Z("<c@d>")),
        'T' => Frame('T'),
        'L' => Frame('L', Z("Subject"), Z("x")),
        'N' => Frame('N'),
        'B' => Frame('B', Raw("body")),
        'E' => Frame('E'),
        'U' => Frame('U', Z("NOOP")),
        'A' => Frame('A'),
        'K' => Frame('K'),
        'Q' => Frame('Q'),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };
}
