using System.IO.Pipelines;
using FluentAssertions;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>
/// Every command in every state, sent over the wire to a real session: allowed commands move the session to the
/// state written in <see cref="SessionTransitionMatrix"/>, the others are a protocol violation that closes the connection.
/// </summary>
public class SessionTransitionTests
{
    private static readonly MilterProtocolFlags[] OptionSets =
    [
        MilterProtocolFlags.None,
        MilterProtocolFlags.NoConnect,
        MilterProtocolFlags.NoMail,
        MilterProtocolFlags.NoRcpt,
        MilterProtocolFlags.NoEndOfHeaders,
        MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt | MilterProtocolFlags.NoEndOfHeaders,
    ];

    public static IEnumerable<TestCaseData> Pairs()
    {
        foreach (MilterProtocolFlags flags in OptionSets)
        {
            foreach (SessionState state in SessionTransitionMatrix.States)
            {
                if (state == SessionState.Closed || (state == SessionState.AwaitConnect && (flags & MilterProtocolFlags.NoConnect) != 0))
                {
                    continue; // no command is ever read in these states
                }

                foreach (char command in SessionTransitionMatrix.Commands)
                {
                    yield return new TestCaseData(flags, state.ToString(), command).SetName($"{flags}_{state}_{command}");
                }
            }
        }
    }

    [TestCaseSource(nameof(Pairs))]
    public async Task EveryCommandInEveryState_MovesAsTheMatrixSays(MilterProtocolFlags flags, string stateName, char command)
    {
        SessionState state = Enum.Parse<SessionState>(stateName);
        SessionState? expected = SessionTransitionMatrix.Expected(state, command, flags);

        (SessionState? before, _, string prefixReplies) = await RunAsync(flags, Prefix(state, flags), []);
        before.Should().Be(state, "the prefix reaches the state under test");

        (SessionState? after, string? violation, string replies) = await RunAsync(flags, Prefix(state, flags), SessionTransitionMatrix.Packet(command));
        if (expected is null)
        {
            violation.Should().NotBeNull($"{command} in {state} is a protocol violation").And.Contain(nameof(ProtocolViolation.OutOfOrder));
            replies.Should().Be(prefixReplies, "a command out of order is not answered: the MTA sees the connection close");
        }
        else
        {
            violation.Should().BeNull();
            after.Should().Be(expected);
        }
    }

    internal static byte[] Prefix(SessionState state, MilterProtocolFlags flags)
    {
        var frames = new List<byte[]>();
        if (state == SessionState.AwaitNegotiation)
        {
            return [];
        }

        frames.Add(OptNeg());
        if (state != SessionState.AwaitConnect && (flags & MilterProtocolFlags.NoConnect) == 0)
        {
            frames.Add(Connect4());
        }

        char[] steps = ['M', 'R', 'T', 'L', 'N', 'B'];
        int count = state switch
        {
            SessionState.Mail => 1,
            SessionState.Rcpt => 2,
            SessionState.Data => 3,
            SessionState.Header => 4,
            SessionState.EndOfHeaders => 5,
            SessionState.Body => 6,
            _ => 0,
        };
        frames.AddRange(steps.Take(count).Select(SessionTransitionMatrix.Packet));
        return Concat([.. frames]);
    }

    /// <summary>
    /// Sends the bytes, ends the stream, and returns the state after the last packet (null after a violation), the
    /// violation logged, and the codes of the replies the MTA side received.
    /// </summary>
    private static async Task<(SessionState? State, string? Violation, string Replies)> RunAsync(MilterProtocolFlags flags, byte[] prefix, byte[] packet)
    {
        var handler = new ScriptedHandler { Negotiation = MilterNegotiation.Default with { Events = MilterEvents.All & ~Events(flags) } };
        var log = new ListLogger();
        var toMilter = new Pipe();
        var toMta = new Pipe();
        MilterSession? session = null;
        var input = new StateRecordingReader(toMilter.Reader, () => session!.State);
        session = new MilterSession(new Duplex(input, toMta.Writer), handler, logger: log, connectionId: "matrix");
        Task run = session.RunAsync(CancellationToken.None);
        await toMilter.Writer.WriteAsync(Concat(prefix, packet));
        await toMilter.Writer.CompleteAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        string? violation = log.Entries.Where(e => e.EventId == 1000).Select(e => e.Message).FirstOrDefault();
        string replies = await ReplyCodes.ReadToEndAsync(toMta.Reader);
        return (violation is null ? input.LastState : null, violation, replies);
    }

    private static MilterEvents Events(MilterProtocolFlags flags)
    {
        MilterEvents events = MilterEvents.None;
        foreach ((MilterEvents ev, MilterProtocolFlags no, _) in OptionNegotiator.EventFlags)
        {
            if ((flags & no) != 0)
            {
                events |= ev;
            }
        }

        return events;
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Records the session's state each time it hands back the bytes it has dispatched.</summary>
    private sealed class StateRecordingReader(PipeReader inner, Func<SessionState> state) : PipeReader
    {
        public SessionState? LastState { get; private set; }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            LastState = state();
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);
    }
}
