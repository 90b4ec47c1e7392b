using Milter.Protocol.Negotiation;

namespace Milter.Protocol.Session;

/// <summary>
/// Which milter command may come in which state, and the state it leads to: the whole order of a milter
/// conversation in one table. A message is MAIL RCPT+ DATA HEADER* EOH BODY* EOM; DATA (MTAs before version 4
/// have none), HEADER and BODY may be missing, and so may any step negotiated away with <c>SMFIP_NO*</c>; right
/// after RCPT any later step may come (as libmilter allows). A command with no row here is a protocol violation.
/// The next state is the one on acceptance; a final verdict later ends the message (MilterSession.Dispatch.cs).
/// </summary>
internal static class SessionStateTable
{
    private const MilterProtocolFlags None = MilterProtocolFlags.None;
    private const MilterProtocolFlags NoConnect = MilterProtocolFlags.NoConnect;
    private const MilterProtocolFlags NoMail = MilterProtocolFlags.NoMail;
    private const MilterProtocolFlags NoRcpt = MilterProtocolFlags.NoRcpt;
    private const MilterProtocolFlags NoEndOfHeaders = MilterProtocolFlags.NoEndOfHeaders;

    private static readonly SessionState[] AfterNegotiation =
    [
        SessionState.AwaitConnect, SessionState.Connected, SessionState.Mail, SessionState.Rcpt, SessionState.Data,
        SessionState.Header, SessionState.EndOfHeaders, SessionState.Body,
    ];

    private static readonly List<Transition> Rows = Build();

    private static readonly Transition[][] ByStateAndCommand = Index(Rows);

    /// <summary>One row: in <see cref="From"/>, <see cref="Command"/> leads to <see cref="To"/> when every flag in <see cref="Requires"/> was negotiated. The first row that applies wins.</summary>
    internal readonly record struct Transition(SessionState From, MilterCommandCode Command, SessionState To, MilterProtocolFlags Requires);

    /// <summary>Every row, in the order they are tried.</summary>
    public static IReadOnlyList<Transition> Transitions => Rows;

    /// <summary>True in the states between MAIL (or the first step of a message) and its end.</summary>
    public static bool IsInMessage(SessionState state) => state is >= SessionState.Mail and <= SessionState.Body;

    /// <summary>The state <paramref name="command"/> leads to from <paramref name="state"/>; false when it is not allowed there.</summary>
    public static bool TryNext(SessionState state, MilterCommandCode command, NegotiatedOptions options, out SessionState next)
    {
        foreach (Transition row in ByStateAndCommand[Slot(state, command)] ?? [])
        {
            if (options.Has(row.Requires))
            {
                next = row.To;
                return true;
            }
        }

        next = state;
        return false;
    }

    private static List<Transition> Build()
    {
        var rows = new List<Transition>
        {
            new(SessionState.AwaitNegotiation, MilterCommandCode.OptionNegotiation, SessionState.Connected, NoConnect),
            new(SessionState.AwaitNegotiation, MilterCommandCode.OptionNegotiation, SessionState.AwaitConnect, None),
            new(SessionState.AwaitNegotiation, MilterCommandCode.Macro, SessionState.AwaitNegotiation, None),
            new(SessionState.AwaitConnect, MilterCommandCode.Connect, SessionState.Connected, None),
        };

        foreach (SessionState state in AfterNegotiation)
        {
            rows.Add(new(state, MilterCommandCode.Macro, state, None));
            rows.Add(new(state, MilterCommandCode.Unknown, state, None));
            rows.Add(new(state, MilterCommandCode.Abort, IsInMessage(state) ? SessionState.Connected : state, None)); // outside a message a no-op
            rows.Add(new(state, MilterCommandCode.QuitNewConnection, SessionState.Connected, NoConnect));
            rows.Add(new(state, MilterCommandCode.QuitNewConnection, SessionState.AwaitConnect, None));
            rows.Add(new(state, MilterCommandCode.Quit, SessionState.Closed, None));
            if (state != SessionState.AwaitConnect)
            {
                // HELO and MAIL inside a message abort it first.
                rows.Add(new(state, MilterCommandCode.Helo, SessionState.Connected, None));
                rows.Add(new(state, MilterCommandCode.Mail, SessionState.Mail, None));
            }
        }

        // A message's first step when MAIL (and more) was negotiated away; end of message never starts one.
        Step(rows, SessionState.Connected, MilterCommandCode.Rcpt, SessionState.Rcpt, NoMail);
        Step(rows, SessionState.Connected, MilterCommandCode.Data, SessionState.Data, NoMail | NoRcpt);
        Step(rows, SessionState.Connected, MilterCommandCode.Header, SessionState.Header, NoMail | NoRcpt);
        Step(rows, SessionState.Connected, MilterCommandCode.EndOfHeaders, SessionState.EndOfHeaders, NoMail | NoRcpt);
        Step(rows, SessionState.Connected, MilterCommandCode.Body, SessionState.Body, NoMail | NoRcpt | NoEndOfHeaders);

        Step(rows, SessionState.Mail, MilterCommandCode.Rcpt, SessionState.Rcpt, None);
        Step(rows, SessionState.Mail, MilterCommandCode.Data, SessionState.Data, NoRcpt);
        Step(rows, SessionState.Mail, MilterCommandCode.Header, SessionState.Header, NoRcpt);
        Step(rows, SessionState.Mail, MilterCommandCode.EndOfHeaders, SessionState.EndOfHeaders, NoRcpt);
        Step(rows, SessionState.Mail, MilterCommandCode.Body, SessionState.Body, NoRcpt | NoEndOfHeaders);
        Step(rows, SessionState.Mail, MilterCommandCode.EndOfMessage, SessionState.Connected, NoRcpt | NoEndOfHeaders);

        Step(rows, SessionState.Rcpt, MilterCommandCode.Rcpt, SessionState.Rcpt, None);
        Step(rows, SessionState.Rcpt, MilterCommandCode.Data, SessionState.Data, None);
        Step(rows, SessionState.Rcpt, MilterCommandCode.Header, SessionState.Header, None);
        Step(rows, SessionState.Rcpt, MilterCommandCode.EndOfHeaders, SessionState.EndOfHeaders, None);
        Step(rows, SessionState.Rcpt, MilterCommandCode.Body, SessionState.Body, None);
        Step(rows, SessionState.Rcpt, MilterCommandCode.EndOfMessage, SessionState.Connected, None);

        foreach (SessionState state in (SessionState[])[SessionState.Data, SessionState.Header])
        {
            Step(rows, state, MilterCommandCode.Header, SessionState.Header, None);
            Step(rows, state, MilterCommandCode.EndOfHeaders, SessionState.EndOfHeaders, None);
            Step(rows, state, MilterCommandCode.Body, SessionState.Body, NoEndOfHeaders);
            Step(rows, state, MilterCommandCode.EndOfMessage, SessionState.Connected, NoEndOfHeaders);
        }

        foreach (SessionState state in (SessionState[])[SessionState.EndOfHeaders, SessionState.Body])
        {
            Step(rows, state, MilterCommandCode.Body, SessionState.Body, None);
            Step(rows, state, MilterCommandCode.EndOfMessage, SessionState.Connected, None);
        }

        return rows;
    }

    private static void Step(List<Transition> rows, SessionState from, MilterCommandCode command, SessionState to, MilterProtocolFlags requires) =>
        rows.Add(new(from, command, to, requires));

    private static Transition[][] Index(List<Transition> rows)
    {
        var index = new Transition[((int)SessionState.Closed + 1) << 7][];
        foreach (IGrouping<int, Transition> slot in rows.GroupBy(r => Slot(r.From, r.Command)))
        {
            index[slot.Key] = [.. slot];
        }

        return index;
    }

    private static int Slot(SessionState state, MilterCommandCode command) => ((int)state << 7) | ((byte)command & 0x7F);
}
