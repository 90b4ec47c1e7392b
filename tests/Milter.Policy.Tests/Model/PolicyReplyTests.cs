using Milter.Policy.Model;

namespace Milter.Policy.Tests.Model;

/// <summary>A policy reply: its bounds, the configured-text parser and the RFC 3463 status code check.</summary>
public sealed class PolicyReplyTests
{
    [TestCase(199)]
    [TestCase(600)]
    public void ACodeOutside2xxTo5xx_IsRefused(int code) =>
        FluentActions.Invoking(() => new PolicyReply(code, "5.7.1", "x")).Should().Throw<ArgumentOutOfRangeException>();

    [TestCase(200)]
    [TestCase(599)]
    public void TheEdgeCodes_AreAccepted(int code) => new PolicyReply(code, "", "x").Code.Should().Be(code);

    [Test]
    public void NullParts_AreArgumentErrors()
    {
        FluentActions.Invoking(() => new PolicyReply(550, null!, "x")).Should().ThrowExactly<ArgumentNullException>();
        FluentActions.Invoking(() => new PolicyReply(550, "5.7.1", null!)).Should().ThrowExactly<ArgumentNullException>();
    }

    [TestCase(399, false)]
    [TestCase(400, true)]
    [TestCase(499, true)]
    [TestCase(500, false)]
    public void IsTemporary_Is4xx(int code, bool temporary) => new PolicyReply(code, "", "x").IsTemporary.Should().Be(temporary);

    [Test]
    public void WithoutAnEnhancedCode_TheLineHasOneCharacterMoreRoom()
    {
        // "550 " + 976 characters is exactly 980 on the wire; with "5.7.1 " it is six too many.
        var text = new string('x', ReplyText.MaxLineLength - 4);
        new PolicyReply(550, "", text).IsCut.Should().BeFalse();
        new PolicyReply(550, "", text + "x").IsCut.Should().BeTrue();
        new PolicyReply(550, "5.7.1", text).IsCut.Should().BeTrue();
    }

    [Test]
    public void IsCut_WhenSeveralLinesAreCut()
    {
        var line = new string('x', 1000);
        new PolicyReply(550, "5.7.1", line + "\n" + line).IsCut.Should().BeTrue();
        new PolicyReply(550, "5.7.1", "short\n" + line).IsCut.Should().BeTrue();
        new PolicyReply(550, "5.7.1", "short\nlines").IsCut.Should().BeFalse();
    }

    [Test]
    public void Text_IsTheCleanedText_WhenALineHadToBeCleaned()
    {
        new PolicyReply(550, "5.7.1", "a\rb").Text.Should().Be("a\\rb");
        new PolicyReply(550, "5.7.1", "ok\na\0b").Text.Should().Be("ok\na\\0b");
        new PolicyReply(550, "5.7.1", "ok\nfine").Text.Should().Be("ok\nfine");
    }

    [Test]
    public void Equality_IsTheSameReplyLine()
    {
        var reply = new PolicyReply(550, "5.7.1", "no");
        reply.Equals(new PolicyReply(550, "5.7.1", "no")).Should().BeTrue();
        reply.Equals((object)new PolicyReply(550, "5.7.1", "no")).Should().BeTrue();
        reply.Equals(new PolicyReply(550, "5.7.1", "No")).Should().BeFalse();
        reply.GetHashCode().Should().Be(new PolicyReply(550, "5.7.1", "no").GetHashCode());
        reply.ToString().Should().Be("550 5.7.1 no");
        reply.Equals(null).Should().BeFalse();
    }

    [TestCase("550 5.7.1 Access denied", 550, "5.7.1", "Access denied")]
    [TestCase("550 5.7.1", 550, "5.7.1", "")]
    [TestCase("550 x", 550, "5.0.0", "x")]
    [TestCase("400 try later", 400, "4.0.0", "try later")]
    [TestCase("499 try later", 499, "4.0.0", "try later")]
    [TestCase("500 Access denied", 500, "5.0.0", "Access denied")]
    [TestCase("599 no", 599, "5.0.0", "no")]
    [TestCase("550 3.1.1 text", 550, "5.0.0", "3.1.1 text")]
    [TestCase("  451 4.3.0 Try again  ", 451, "4.3.0", "Try again")]
    public void TryParse_ReadsCodeEnhancedCodeAndText(string text, int code, string enhanced, string rest)
    {
        PolicyReply.TryParse(text, out var reply).Should().BeTrue();
        reply!.Code.Should().Be(code);
        reply.EnhancedCode.Should().Be(enhanced);
        reply.Text.Should().Be(rest);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("550")]
    [TestCase("550 ")]
    [TestCase("5505 x")]
    [TestCase("250 2.0.0 ok")]
    [TestCase("399 x")]
    [TestCase("600 x")]
    [TestCase("abc x")]
    public void TryParse_AnythingButA4xxOr5xxReply_IsRefused(string? text)
    {
        PolicyReply.TryParse(text, out var reply).Should().BeFalse();
        reply.Should().BeNull();
    }

    [TestCase("5.1.1", true)]
    [TestCase("4.7.1", true)]
    [TestCase("2.0.0", true)]
    [TestCase("5.1.123", true)]
    [TestCase("5.123.1", true)]
    [TestCase("5.1.1234", false)]
    [TestCase("5.1234.1", false)]
    [TestCase("3.1.1", false)]
    [TestCase("5x1.1", false)]
    [TestCase("5.1x1", false)]
    [TestCase("5..12", false)]
    [TestCase("5.12.", false)]
    [TestCase("5.123", false)]
    [TestCase("5.1.1.1", false)]
    [TestCase("5.1", false)]
    [TestCase("", false)]
    public void IsEnhancedCode_IsClassSubjectDetail(string text, bool valid) => PolicyReply.IsEnhancedCode(text).Should().Be(valid);
}
