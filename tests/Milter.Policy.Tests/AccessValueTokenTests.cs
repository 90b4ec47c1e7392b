using Milter.Policy.Access;

namespace Milter.Policy.Tests;

/// <summary>How prescan's tokens shape an access value: comments, escapes, quotes, codes and the '&gt;' that ends a text.</summary>
public sealed class AccessValueTokenTests
{
    [TestCase("oops) (note) text", "553 5.3.0 oops text", TestName = "Parse_StrayCloseParenthesis_DoesNotOpenAComment")]
    [TestCase("(a\\) b) c", "553 5.3.0 c", TestName = "Parse_EscapedParenthesisInAComment_DoesNotCloseIt")]
    [TestCase("ERROR:550 denied(reason) now", "550 5.0.0 denied now", TestName = "Parse_CommentGluedToAWord_IsDropped")]
    [TestCase("ERROR:\"550 say \\\"hi\\\" now\"", "550 5.0.0 say \"hi\" now", TestName = "Parse_EscapedQuoteInQuotedText_IsKept")]
    [TestCase("ERROR:\"550 unterminated", "550 5.0.0 unterminated", TestName = "Parse_UnterminatedQuote_RunsToTheEnd")]
    [TestCase("ERROR:550 a\\(b", "550 5.0.0 a(b", TestName = "Parse_EscapedParenthesisInAWord_IsKeptWithoutTheBackslash")]
    [TestCase("ERROR:550 denied\\", "550 5.0.0 denied\\", TestName = "Parse_TrailingBackslash_IsKept")]
    [TestCase("ERROR", "553 5.3.0 ERROR", TestName = "Parse_BareErrorKeyword_IsAnUnknownValue")]
    [TestCase("ERROR:x.y.z:550 denied", "550 5.0.0 denied", TestName = "Parse_ErrorFieldThatIsNoEnhancedCode_GivesTheClassDefault")]
    public void Parse_Value_GivesSendmailReply(string value, string reply) =>
        AccessValueParser.Parse(value, null).Reply.Line.Should().Be(reply);

    [Test]
    public void Parse_CommentOnly_IsAnUnknownValue() =>
        AccessValueParser.Parse("(just a comment)", null).Action.Should().Be(AccessAction.Unknown);

    [TestCase("4ab")]
    [TestCase("650 not a code")]
    [TestCase("150 not a code")]
    public void Parse_DigitsThatAreNoReplyCode_AreAnUnknownValue(string value) =>
        AccessValueParser.Parse(value, null).Action.Should().Be(AccessAction.Unknown);

    [Test]
    public void Parse_CodeWithEmptyText_KeepsTheCode()
    {
        var reply = AccessValueParser.Parse("ERROR:\"550 \"", null).Reply;
        reply.Code.Should().Be(550);
        reply.Text.Should().BeEmpty();
    }

    /// <summary>check_relay ends the text at a '&gt;' followed by '&lt;'; check_mail and blocklist_recipients at the first '&gt;'.</summary>
    [Test]
    public void Parse_AngleInAnUnquotedText_EndsEachStageWhereItsRulesetDoes()
    {
        var warnings = new List<string>();
        var value = AccessValueParser.Parse("ERROR:550 a>b><c", warnings);
        value.Reply.Line.Should().Be("550 5.0.0 a>b");
        value.AddressReply!.Line.Should().Be("550 5.0.0 a");
        warnings.Should().Contain("an unquoted '>' in the text: a From: or To: entry's reply ends before it (quote the text)");
    }

    [Test]
    public void Parse_AngleAsTheLastToken_EndsOnlyTheAddressReply()
    {
        var value = AccessValueParser.Parse("ERROR:550 no>", null);
        value.Reply.Line.Should().Be("550 5.0.0 no>");
        value.AddressReply!.Line.Should().Be("550 5.0.0 no");
    }

    [Test]
    public void Collapse_LeadingBlanks_AreDropped() =>
        AccessValueParser.Collapse(" \t a  b ").Should().Be("a b");
}
