using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>The reply boundary: no CR, LF, NUL or other control character and no over-long line leaves the policy.</summary>
public sealed class ReplyTextTests
{
    [Test]
    public void Quote_EscapesEveryControlCharacter()
    {
        // Not as [TestCase]s: a test name holding a control character does not reach the test report.
        (string Value, string Quoted)[] cases =
        [
            ("foo\rbar", "foo\\rbar"), ("a\nb", "a\\nb"), ("a\0b", "a\\0b"), ("a\tb\u0001\u007f", "a\\tb\\x01\\x7F"),
            ("plain@example.org", "plain@example.org"),
        ];
        foreach (var (value, quoted) in cases)
        {
            ReplyText.Quote(value).Should().Be(quoted);
        }
    }

    [Test]
    public void SmtpReply_NeverHoldsCrOrNul_WhateverItIsBuiltFrom()
    {
        var reply = new PolicyReply(550, "5.7.1", "bad\rtext\0here");
        reply.TextLines.Should().Equal("bad\\rtext\\0here");
        reply.Line.Should().Be("550 5.7.1 bad\\rtext\\0here");
    }

    [Test]
    public void SmtpReply_KeepsLfAsTheLineSeparator_AndTabs()
    {
        new PolicyReply(550, "5.7.1", "first\tline\nsecond").TextLines.Should().Equal("first\tline", "second");
    }

    [Test]
    public void SmtpReply_CutsALineTooLongForTheWire_CountingPercentTwice()
    {
        var reply = new PolicyReply(550, "5.7.1", new string('%', 600));
        reply.IsCut.Should().BeTrue();
        var line = reply.TextLines.Single();
        line.Should().EndWith("...");
        ("550 5.7.1 ".Length + line.Count(c => c == '%') * 2 + 3).Should().BeLessThanOrEqualTo(ReplyText.MaxLineLength);
        new PolicyReply(550, "5.7.1", new string('x', 970)).IsCut.Should().BeFalse();
    }

    [Test]
    public void SmtpReply_AtMostMaxLines()
    {
        new PolicyReply(550, "5.7.1", string.Join('\n', Enumerable.Repeat("x", 40))).TextLines.Should().HaveCount(ReplyText.MaxLines);
    }

    [Test]
    public void Clean_FillsTheLineUpToTheBudget_ThenEndsInDots()
    {
        // 980 - "550 5.7.1 ".Length leaves 970: 967 characters and "...".
        var line = ReplyText.Clean(new string('x', 1000), "550 5.7.1 ".Length, out var cut);
        cut.Should().BeTrue();
        line.Should().Be(new string('x', 967) + "...");
    }

    [Test]
    public void Clean_CountsAPercentTwice_WhenCutting()
    {
        var line = ReplyText.Clean("%" + new string('x', 1000), "550 5.7.1 ".Length);
        line.Should().Be("%" + new string('x', 965) + "...");
    }

    [Test]
    public void Clean_KeepsTabs_WhileEscapingOtherControlCharacters() =>
        ReplyText.Clean("a\tb\rc", 10)
            .Should().Be("a\tb\\rc");

    [Test]
    public void Clean_Null_IsAnArgumentError() =>
        FluentActions.Invoking(() => ReplyText.Clean(null!, 10)).Should().Throw<ArgumentNullException>();
}
