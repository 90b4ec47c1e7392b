using Milter.Policy.Access;

namespace Milter.Policy.Tests;

public sealed class AccessValueParserTests
{
    [TestCase("OK", AccessAction.Ok)]
    [TestCase("ok", AccessAction.Ok)]
    [TestCase("RELAY", AccessAction.Relay)]
    [TestCase("Relay  ", AccessAction.Relay)]
    [TestCase("REJECT", AccessAction.Reject)]
    [TestCase("REJECT\r", AccessAction.Reject)]
    [TestCase("DISCARD", AccessAction.Discard)]
    [TestCase("SKIP", AccessAction.Skip)]
    [TestCase("FRIEND", AccessAction.Friend)]
    [TestCase("HATER", AccessAction.Hater)]
    [TestCase("REJECT # x", AccessAction.Unknown)]
    [TestCase("REJECTED", AccessAction.Unknown)]
    [TestCase("QUARANTINE:spam", AccessAction.Quarantine)]
    [TestCase("ERROR:\"550 no\"", AccessAction.Error)]
    public void Parse_Keyword_GivesAction(string value, AccessAction expected) =>
        AccessValueParser.Parse(value, null).Action.Should().Be(expected);

    [TestCase("ERROR:\"550 Go away\"", "550 5.0.0 Go away")]
    [TestCase("ERROR:550 Go away", "550 5.0.0 Go away")]
    [TestCase("ERROR:450 mailbox full", "450 4.0.0 mailbox full")]
    [TestCase("ERROR:\"450 4.2.2 mailbox full\"", "450 4.2.2 mailbox full")]
    [TestCase("ERROR:5.7.1:\"550 Spam not accepted\"", "550 5.7.1 Spam not accepted")]
    [TestCase("ERROR:5.7.1:550 Spam not accepted", "550 5.7.1 Spam not accepted")]
    [TestCase("ERROR:4.7.1:\"451 later\"", "451 4.7.1 later")]
    [TestCase("ERROR:\"554  two  spaces \"", "554 5.0.0  two  spaces ")]
    [TestCase("ERROR:554  collapsed   spaces", "554 5.0.0 collapsed spaces")]
    [TestCase("error:\"421 4.3.2 closing\"", "421 4.3.2 closing")]
    [TestCase("550 deprecated form", "550 5.0.0 deprecated form")]
    [TestCase("ERROR:go away", "553 5.3.0 go away")]
    [TestCase("ERROR:5.7.0:go away", "553 5.3.0 go away")]
    [TestCase("ERROR:5.1.1:\"550 5.7.1 text code wins\"", "550 5.7.1 text code wins")]
    [TestCase("BLOCK", "553 5.3.0 BLOCK")]
    [TestCase("REJECT # x", "553 5.3.0 REJECT # x")]
    [TestCase("  spaced   value  ", "553 5.3.0 spaced value")]
    public void Parse_ErrorAndUnknown_GiveSendmailReply(string value, string reply) =>
        AccessValueParser.Parse(value, null).Reply.Line.Should().Be(reply);

    [TestCase("QUARANTINE:held for review", "held for review")]
    [TestCase("QUARANTINE:\"two  spaces\"", "\"two  spaces\"")]
    [TestCase("quarantine:  a   b ", "a b")]
    public void Parse_Quarantine_KeepsReason(string value, string reason) =>
        AccessValueParser.Parse(value, null).QuarantineReason.Should().Be(reason);

    [TestCase("ERROR:250 fine", "ERROR code 250 is not a 4xx/5xx failure")]
    [TestCase("ERROR:go away", "ERROR: without an SMTP reply code: Sendmail answers 553")]
    [TestCase("550 text", "deprecated form \"### text\": write ERROR:\"### text\"")]
    [TestCase("ERROR:4.7.1:\"550 x\"", "enhanced code 4.7.1 does not match reply class 550")]
    public void Parse_Suspicious_Warns(string value, string warning)
    {
        var warnings = new List<string>();
        AccessValueParser.Parse(value, warnings);
        warnings.Should().Contain(warning);
    }

    /// <summary>
    /// Issue 12 item 4, as Sendmail 8.17 renders them (buildaddr, fmtmsg; held against sendmail -bs in
    /// Milter.Oracle.Tests): the text's code wins over the ERROR field, a code alone is no code, an unquoted text is
    /// re-joined from its tokens (a blank only between words, a parenthesised comment dropped).
    /// </summary>
    [TestCase("ERROR:5.7.1:\"550 5.7.0 text\"", "550 5.7.0 text")]
    [TestCase("ERROR:\"553 5.7.1\"", "553 5.0.0 5.7.1")]
    [TestCase("ERROR:\"550\"", "553 5.3.0 550")]
    [TestCase("ERROR:550", "553 5.3.0 550")]
    [TestCase("ERROR:5.7.1:\"No code here\"", "553 5.3.0 No code here")]
    [TestCase("ERROR:550 Spam, not welcome!", "550 5.0.0 Spam,not welcome!")]
    [TestCase("ERROR:550 5.7.1 Mail from you: refused", "550 5.7.1 Mail from you:refused")]
    [TestCase("ERROR:550 Blocked (see policy) now", "550 5.0.0 Blocked now")]
    [TestCase("ERROR:\"550 Spam, not welcome!\"", "550 5.0.0 Spam, not welcome!")]
    [TestCase("ERROR:550 Contact <postmaster@example.net>", "550 5.0.0 Contact<postmaster@example.net>")]
    public void Parse_ErrorText_IsRenderedAsSendmailRendersIt(string value, string reply) =>
        AccessValueParser.Parse(value, null).Reply.Line.Should().Be(reply);

    /// <summary>check_mail and blocklist_recipients match <c>&lt;ERROR:$+&gt; $*</c>: an unquoted text ends at its first '&gt;' there.</summary>
    [TestCase("ERROR:550 Contact <postmaster@example.net>", "550 5.0.0 Contact<postmaster@example.net")]
    [TestCase("ERROR:\"550 Contact <postmaster@example.net>\"", "550 5.0.0 Contact <postmaster@example.net>")]
    [TestCase("ERROR:550 Go away", "550 5.0.0 Go away")]
    public void Parse_AddressReply_EndsAtTheFirstUnquotedAngle(string value, string reply) =>
        (AccessValueParser.Parse(value, null).AddressReply ?? AccessValueParser.Parse(value, null).Reply).Line.Should().Be(reply);

    [TestCase("ERROR:5.7.1:\"550 5.7.0 text\"", "the text's enhanced code 5.7.0 wins over ERROR:5.7.1:")]
    [TestCase("ERROR:550 Spam, not welcome!", "unquoted text \"550 Spam, not welcome!\" reaches the client as \"550 Spam,not welcome!\": quote it to keep it as written")]
    public void Parse_TextSendmailChanges_Warns(string value, string warning)
    {
        var warnings = new List<string>();
        AccessValueParser.Parse(value, warnings);
        warnings.Should().Contain(warning);
    }

    [TestCase("ERROR:\"450 later\"", true)]
    [TestCase("ERROR:\"550 never\"", false)]
    public void Parse_ErrorClass_DecidesTemporary(string value, bool temporary) =>
        AccessValueParser.Parse(value, null).Reply.IsTemporary.Should().Be(temporary);
}
