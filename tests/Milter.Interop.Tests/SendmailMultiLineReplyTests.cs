using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// A refusal configured with two lines (<see cref="MultiLineReplies"/>) reaches a client of a real Sendmail 8.17,
/// built from the shipped snippets, as one SMTP reply of two lines, the last one unchanged.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailMultiLineReplyTests : OwningFixture
{
    private PolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail() => _stack = Owned.Add(await PolicyStack.StartAsync(MultiLineReplies.Settings));

    [Test]
    public async Task ConfiguredMultiLineRefusal_ReachesTheClient_AsOneReplyOfTwoLines()
    {
        SwaksTranscript smtp = await SendmailPolicyTests.SendAsync(_stack!.Rig, "127.0.0.5", "x@remote.example");

        int first = smtp.ServerLines.ToList().FindIndex(l => l.StartsWith("550-5.7.1 ", StringComparison.Ordinal) && l.EndsWith(MultiLineReplies.FirstLine, StringComparison.Ordinal));
        first.Should().BeGreaterThanOrEqualTo(0, "the first line carries the continuation mark:\n{0}", smtp);
        smtp.ServerLines[first + 1].Should().Be($"550 5.7.1 {MultiLineReplies.LastLine}", "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull("{0}", smtp);
    }
}
