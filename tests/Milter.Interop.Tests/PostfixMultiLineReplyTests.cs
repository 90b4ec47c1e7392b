using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// A refusal configured with two lines (<see cref="MultiLineReplies"/>) reaches a client of a real Postfix 3.7 as one
/// SMTP reply of two lines, each with the code, in order and unchanged (Postfix checks every line of SMFIR_REPLYCODE).
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixMultiLineReplyTests : OwningFixture
{
    private PostfixPolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndPostfix() => _stack = Owned.Add(await PostfixPolicyStack.StartAsync(settings: MultiLineReplies.Settings));

    [Test]
    public async Task ConfiguredMultiLineRefusal_ReachesTheClient_AsOneReplyOfTwoLines()
    {
        SwaksTranscript smtp = await _stack!.SendAsync("127.0.0.5", "x@remote.example");

        smtp.ServerLines.Should().ContainInOrder(
            [$"550-5.7.1 {MultiLineReplies.FirstLine}", $"550 5.7.1 {MultiLineReplies.LastLine}"], "{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }
}
