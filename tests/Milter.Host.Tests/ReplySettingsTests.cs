using FluentAssertions;
using Milter.Host.Options;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>Which <c>Milter:Policy:Replies:*</c> values start the milter: one line, or several separated by \n.</summary>
public sealed class ReplySettingsTests
{
    [TestCase("550 5.7.1 Relaying denied")]
    [TestCase("550 5.7.1 Relaying denied.\nSee https://example.net/relay")]
    [TestCase("451 4.3.0 Try again later.\nSecond line\nThird line, 100% sure")]
    public void Reply_OneOrSeveralLines_IsAccepted(string value) => ReplySettings.IsReply(value).Should().BeTrue();

    [TestCase("250 2.0.0 fine", TestName = "Reply_NotARefusal_IsRefused")]
    [TestCase("550 4.7.1 class differs", TestName = "Reply_EnhancedClassDiffers_IsRefused")]
    [TestCase("550 5.7.1 first\n", TestName = "Reply_EmptyLastLine_IsRefused")]
    [TestCase("550 5.7.1 first\r\nsecond", TestName = "Reply_CarriageReturn_IsRefused")]
    [TestCase("550 5.7.1 first\n\nthird", TestName = "Reply_EmptyLineBetween_IsRefused")]
    public void Reply_Malformed_IsRefused(string value) => ReplySettings.IsReply(value).Should().BeFalse();

    [Test]
    public void Reply_MoreLinesThanTheProtocolCarries_IsRefused() =>
        ReplySettings.IsReply("550 5.7.1 " + string.Join('\n', Enumerable.Repeat("line", 33))).Should().BeFalse();

    [Test]
    public void Reply_LineLongerThanTheProtocolCarries_IsRefused() =>
        ReplySettings.IsReply("550 5.7.1 " + new string('x', 2000)).Should().BeFalse();
}
