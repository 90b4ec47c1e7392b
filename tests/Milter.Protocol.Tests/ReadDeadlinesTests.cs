using System.IO.Pipelines;
using FluentAssertions;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

public class ReadDeadlinesTests
{
    [Test]
    public void RemovingFirstMiddleAndLast_KeepsTheOthersWatched_AndASecondRemovalChangesNothing()
    {
        MilterSession[] sessions = [.. Enumerable.Range(0, 5).Select(_ => NewSession())];
        foreach (MilterSession session in sessions)
        {
            ReadDeadlines.Shared.Add(session, TimeSpan.FromHours(1));
            ReadDeadlines.Shared.Add(session, TimeSpan.FromHours(1)); // twice: watched once
        }

        try
        {
            Watched(sessions).Should().BeEquivalentTo(sessions);
            ReadDeadlines.Shared.Remove(sessions[2]);
            ReadDeadlines.Shared.Remove(sessions[4]);
            ReadDeadlines.Shared.Remove(sessions[0]);
            ReadDeadlines.Shared.Remove(sessions[0]);
            Watched(sessions).Should().BeEquivalentTo([sessions[1], sessions[3]]);
            ReadDeadlines.Shared.Add(sessions[2], TimeSpan.FromHours(1));
            Watched(sessions).Should().BeEquivalentTo([sessions[1], sessions[2], sessions[3]]);
        }
        finally
        {
            foreach (MilterSession session in sessions)
            {
                ReadDeadlines.Shared.Remove(session);
            }
        }

        Watched(sessions).Should().BeEmpty();
    }

    // Other tests' sessions may be watched at the same time: only these count.
    private static List<MilterSession> Watched(MilterSession[] ours) =>
        [.. ReadDeadlines.Shared.Snapshot().Where(ours.Contains)];

    private static MilterSession NewSession()
    {
        var pipe = new Pipe();
        return new MilterSession(new DuplexPipe(pipe.Reader, pipe.Writer), new ScriptedHandler());
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
