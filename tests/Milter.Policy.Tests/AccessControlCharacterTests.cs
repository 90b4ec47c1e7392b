namespace Milter.Policy.Tests;

/// <summary>Access values that would put control characters or an over-long line into an SMTP reply are errors (file:line: reason).</summary>
public sealed class AccessControlCharacterTests
{
    // The control character goes in as a number: a test name holding one does not reach the test report.
    [TestCase("From:a@b\tERROR:\"550 5.7.1 bad{0}text\"\n", 0x0D, "\\r")]
    [TestCase("From:a@b\tERROR:\"550 5.7.1 bad{0}text\"\n", 0x00, "\\0")]
    [TestCase("From:a@b\tQUARANTINE:why{0}not\n", 0x01, "\\x01")]
    [TestCase("Connect:x\tREJECT{0}[2J\n", 0x1B, "\\x1B")]
    public void ValueWithAControlCharacter_IsAnError(string access, int control, string shown)
    {
        var result = TestPolicy.Load(string.Format(System.Globalization.CultureInfo.InvariantCulture, access, (char)control));
        result.Succeeded.Should().BeFalse();
        result.Errors.Select(e => e.ToString()).Should().Equal($"access:1: value contains the control character {shown}: refused (it would reach an SMTP reply)");
    }

    [Test]
    public void DosLineEnd_AndTabs_AreStillAccepted()
    {
        var result = TestPolicy.Load("From:a@b\tERROR:\"550 5.7.1 a\tb\"\r\nConnect:c\tREJECT\r\n");
        result.Succeeded.Should().BeTrue(string.Join("\n", result.Errors));
    }

    [Test]
    public void KeyWithAControlCharacter_IsAnError()
    {
        TestPolicy.Load("From:a\u0002b\tREJECT\n").Errors.Select(e => e.ToString()).Should().Equal("access:1: key from:a\\x02b contains a control character");
    }

    [Test]
    public void ErrorTextLongerThanAReplyLine_IsAnError()
    {
        var result = TestPolicy.Load("From:a@b\tERROR:\"550 5.7.1 " + new string('x', 975) + "\"\n");
        result.Errors.Select(e => e.ToString()).Should().Equal("access:1: reply text too long: an SMTP reply line holds at most 980 characters");
    }
}
