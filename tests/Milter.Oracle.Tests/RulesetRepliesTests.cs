using Milter.Oracle.Tests.Comparison;
using Milter.Oracle.Tests.Sendmail;

namespace Milter.Oracle.Tests;

/// <summary>
/// The translation of returned workspaces, as -bt prints them, into what Sendmail does (no Sendmail needed). The
/// expected replies are what sendmail -bs and -bD answered for these rulesets (ReplyTranslationTests).
/// </summary>
public sealed class RulesetRepliesTests
{
    [TestCase("$# error $@ 5 . 7 . 1 $: \"550 Access denied\"", "550 5.7.1 Access denied")]
    [TestCase("$# error $@ 5 . 7 . 1 $: \"550 5.7.0 Text code wins\"", "550 5.7.0 Text code wins")]
    [TestCase("$# error $: \"553 5.7.1\"", "553 5.0.0 5.7.1")]
    [TestCase("$# error $: \"550\"", "553 5.3.0 550")]
    [TestCase("$# error $@ 5 . 7 . 1 $: \"No code here\"", "553 5.3.0 No code here")]
    [TestCase("$# error $: 550 Spam , not welcome !", "550 5.0.0 Spam,not welcome!")]
    [TestCase("$# error $@ 4 . 7 . 1 $: \"450 Greylisted, come back\"", "450 4.7.1 Greylisted, come back")]
    [TestCase("$# error $: \"550  two  spaces\"", "550 5.0.0  two  spaces")]
    [TestCase("$# error $: MAYBE", "553 5.3.0 MAYBE")]
    [TestCase("$# error $@ 4 . 4 . 0 $: \"450 Relaying temporarily denied. Cannot resolve PTR record for \" 192 . 0 . 2 . 5",
        "450 4.4.0 Relaying temporarily denied. Cannot resolve PTR record for 192.0.2.5")]
    public void Error_BecomesSendmailsReply(string printed, string reply) =>
        RulesetReplies.Translate(RulesetReplies.SplitPrinted(printed), "check_mail").Should().Be(StageOutcome.Refusal(reply));

    [TestCase("$# discard $: discard", OutcomeKind.Discard, null)]
    [TestCase("$# error $@ quarantine $: \"quoted reason\"", OutcomeKind.Quarantine, "\"quoted reason\"")]
    [TestCase("$# error $@ quarantine $: spam , maybe", OutcomeKind.Quarantine, "spam,maybe")]
    [TestCase("$# OK", OutcomeKind.Ok, null)]
    [TestCase("$# RELAY", OutcomeKind.Ok, null)]
    [TestCase("RELAY", OutcomeKind.Ok, null)]
    [TestCase("@ a < @ b . example >", OutcomeKind.Ok, null)]
    public void OtherResults_AreAcceptDiscardOrQuarantine(string printed, OutcomeKind kind, string? text) =>
        RulesetReplies.Translate(RulesetReplies.SplitPrinted(printed), "check_mail").Should().Be(new StageOutcome(kind, text));

    [Test]
    public void Quarantine_WithoutReason_IsTheRulesetName() =>
        RulesetReplies.Translate(RulesetReplies.SplitPrinted("$# error $@ quarantine"), "check_rcpt").Should().Be(StageOutcome.Quarantine("check_rcpt"));

    [Test]
    public void TestModeOutput_IsCutAtTheMarkers()
    {
        TestModeCall[] calls = [new(0, "mail", "check_mail", "<a@b>"), new(0, "rcpt 1", "check_rcpt", "<c@d>")];
        const string Output = "ADDRESS TEST MODE\n> > check_mail         input: < a @ b >\nBasic_check_mail   returns: $# error $: x\n" +
            "check_mail       returns: $# discard $: discard\n> OracleMark         input: m0\nOracleMark       returns: m0\n" +
            "> check_rcpt         input: < c @ d >\ncheck_rcpt       returns: RELAY\n> OracleMark         input: m1\nOracleMark       returns: m1\n> ";

        var results = TestModeOutput.Parse(Output, calls);

        results.Select(r => string.Join(' ', r)).Should().Equal("$# discard $: discard", "RELAY");
    }

    [Test]
    public void TestModeOutput_MissingAnswer_Fails()
    {
        TestModeCall[] calls = [new(0, "mail", "check_mail", "<a@b>")];
        var parse = () => TestModeOutput.Parse("> 553 Unbalanced '>'\n> OracleMark input: m0\nOracleMark       returns: m0\n", calls);
        parse.Should().Throw<InvalidOperationException>().WithMessage("*printed no result for check_mail*");
    }
}
