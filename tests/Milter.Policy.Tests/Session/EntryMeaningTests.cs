using Milter.Policy.Model;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// What an access value means at each check: a From:/To: check ends an unquoted text at its first '&gt;' (check_mail's
/// <c>&lt;ERROR:$+&gt; $*</c>), check_relay does not; a 4xx text tempfails; a value that is no action is Sendmail's 553 5.3.0.
/// </summary>
public sealed class EntryMeaningTests
{
    private static Verdict AtConnect(string value) =>
        TestPolicy.Engine("Connect:192.0.2.1 " + value).Session("192.0.2.1").Connect();

    private static Verdict AtMail(string value) =>
        TestPolicy.Engine("From:a@b.example " + value, new PolicyOptions { AcceptUnresolvableDomains = true }).Session("192.0.2.1").Mail("<a@b.example>");

    private static Verdict AtRcpt(string value) =>
        TestPolicy.Engine("To:x@example.net " + value, new PolicyOptions { BlocklistRecipients = true }).Rcpt("192.0.2.1", "<x@example.net>");

    [Test]
    public void QuarantineText_WithAnAngle_IsWholeAtConnect_AndCutAtMailAndRcpt()
    {
        AtConnect("QUARANTINE:held > for review").QuarantineReason.Should().Be("held>for review");
        AtMail("QUARANTINE:held > for review").QuarantineReason.Should().Be("held");
        AtRcpt("QUARANTINE:held > for review").QuarantineReason.Should().Be("held");
    }

    [Test]
    public void ErrorText_WithAnAngle_IsWholeAtConnect_AndCutAtMailAndRcpt()
    {
        AtConnect("ERROR:550 go > away").Reply!.Line.Should().Be("550 5.0.0 go>away");
        AtMail("ERROR:550 go > away").Reply!.Line.Should().Be("550 5.0.0 go");
        AtRcpt("ERROR:550 go > away").Reply!.Line.Should().Be("550 5.0.0 go");
    }

    [Test]
    public void ValueThatIsNoAction_IsRefusedAsNotUnderstood_AndCutAtMail()
    {
        var connect = AtConnect("maybe > later");
        connect.Reason.Should().Be("value not understood by the rules (553 5.3.0)");
        connect.IsDeferred.Should().BeTrue();
        connect.Action.Should().Be(VerdictAction.Reject);
        var mail = AtMail("maybe > later");
        mail.Reason.Should().Be("value not understood by the rules (553 5.3.0)");
        mail.Reply!.Line.Should().NotBe(connect.Reply!.Line);
    }

    [TestCase("ERROR:451 4.7.1 try later", VerdictAction.TempFail)]
    [TestCase("ERROR:551 5.7.1 never", VerdictAction.Reject)]
    public void ErrorCode_DecidesTempFailOrReject(string value, VerdictAction action)
    {
        AtConnect(value).Action.Should().Be(action);
        AtMail(value).Action.Should().Be(action);
        AtRcpt(value).Action.Should().Be(action);
    }

    [TestCase("OK", "access OK")]
    [TestCase("RELAY", "access RELAY (implicit OK)")]
    [TestCase("DISCARD", "access DISCARD")]
    [TestCase("REJECT", "access REJECT")]
    [TestCase("ERROR:550 no", "access ERROR")]
    [TestCase("QUARANTINE:why", "access QUARANTINE")]
    public void EachAction_NamesItselfInTheReason(string value, string reason)
    {
        AtConnect(value).Reason.Should().Be(reason);
        AtMail(value).Reason.Should().Be(reason);
    }
}
