using FluentAssertions;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>The session's state table, read directly: the same answers as the hand-written matrix for every state, command and negotiated step set.</summary>
public class SessionStateTableTests
{
    private static readonly MilterProtocolFlags[] StepFlags =
    [
        MilterProtocolFlags.NoConnect, MilterProtocolFlags.NoMail, MilterProtocolFlags.NoRcpt, MilterProtocolFlags.NoEndOfHeaders,
    ];

    /// <summary>Every combination of the step flags the order depends on.</summary>
    public static IEnumerable<MilterProtocolFlags> FlagSets() =>
        Enumerable.Range(0, 1 << StepFlags.Length).Select(bits => StepFlags.Where((_, i) => (bits & (1 << i)) != 0).Aggregate(MilterProtocolFlags.None, (a, f) => a | f));

    [TestCaseSource(nameof(FlagSets))]
    public void EveryStateAndCommand_IsAllowedExactlyAsTheMatrixSays(MilterProtocolFlags flags)
    {
        NegotiatedOptions options = NegotiatedOptions.Initial with { Flags = flags };
        var mismatches = new List<string>();
        foreach (SessionState state in SessionTransitionMatrix.States)
        {
            foreach (char command in SessionTransitionMatrix.Commands)
            {
                SessionState? expected = SessionTransitionMatrix.Expected(state, command, flags);
                SessionState? actual = SessionStateTable.TryNext(state, (MilterCommandCode)command, options, out SessionState next) ? next : null;
                if (actual != expected)
                {
                    mismatches.Add($"{state} {command}: table {actual?.ToString() ?? "violation"}, matrix {expected?.ToString() ?? "violation"}");
                }
            }
        }

        mismatches.Should().BeEmpty();
    }

    [Test]
    public void EveryRow_IsReachable_NoRowIsShadowedByAnEarlierOne()
    {
        foreach (SessionStateTable.Transition row in SessionStateTable.Transitions)
        {
            SessionStateTable.TryNext(row.From, row.Command, NegotiatedOptions.Initial with { Flags = row.Requires }, out SessionState next)
                .Should().BeTrue($"{row} applies when its flags are negotiated");
            next.Should().Be(row.To, $"{row} is not hidden by an earlier row");
        }
    }

    [Test]
    public void CommandsThatAreNotMilterCommands_HaveNoRow()
    {
        SessionStateTable.Transitions.Select(r => (char)r.Command).Distinct().Should().BeSubsetOf(SessionTransitionMatrix.Commands);
        SessionStateTable.Transitions.Should().NotContain(r => r.From == SessionState.Closed, "nothing is read after QUIT");
    }
}
