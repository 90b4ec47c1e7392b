using Milter.Policy.Access;

namespace Milter.Policy.Tests;

/// <summary>How the access loader treats lines it refuses, CIDR bounds, the value's raw text and shared values.</summary>
public sealed class AccessFileEdgeTests
{
    /// <summary>A line with an error is reported and, in a lenient load, not stored: makemap would not store it either.</summary>
    [TestCase("Connect:192.0.2.9\n", TestName = "Load_Lenient_NoRhsLine_IsNotStored")]
    [TestCase("Connect:192.0.2.9\u0001 REJECT\n", TestName = "Load_Lenient_ControlCharacterKey_IsNotStored")]
    [TestCase("Connect:192.0.2.1 RELAY\n", TestName = "Load_Lenient_DuplicateKey_IsNotStored")]
    [TestCase("Connect:10.0.0.0/8 RELAY\nConnect:10.1.0.0/8 REJECT\n", TestName = "Load_Lenient_DuplicateNetwork_IsNotStored")]
    [TestCase("Connect:10.0.0.0/33 RELAY\n", TestName = "Load_Lenient_InvalidCidrKey_IsNotStored")]
    public void Load_Lenient_RefusedLine_IsNotStored(string lines)
    {
        var result = TestPolicy.Load("Connect:192.0.2.1 OK\n" + lines, strict: false);
        result.Errors.Should().ContainSingle();
        var stored = lines.StartsWith("Connect:10.0.0.0/8 ", StringComparison.Ordinal) ? 2 : 1;
        result.RuleSet!.AccessEntries.Should().HaveCount(stored);
        result.RuleSet.FindAccess("connect:192.0.2.1")!.Value.Should().Be("OK");
    }

    [TestCase("Connect:192.0.2.1/32", 32)]
    [TestCase("Connect:IPv6:2001:db8::1/128", 128)]
    public void Load_CidrKeyOfFullWidth_IsAHostNetwork(string key, int length)
    {
        var result = TestPolicy.Load(key + " RELAY\n");
        result.Errors.Should().BeEmpty();
        var table = length == 32 ? result.RuleSet!.Access.ConnectV4 : result.RuleSet!.Access.ConnectV6;
        table.LengthsDescending.ToArray().Should().Equal(length);
    }

    [Test]
    public void Load_SlashInAKeyOtherThanConnect_IsAnExactKey()
    {
        var rules = TestPolicy.Rules("From:user/x@example.com REJECT\n");
        rules.FindAccess("from:user/x@example.com")!.Action.Should().Be(AccessAction.Reject);
        rules.Access.ConnectV4.LengthsDescending.ToArray().Should().BeEmpty();
    }

    [Test]
    public void Load_ValueStartingWithHash_IsAValueNotAComment()
    {
        var result = TestPolicy.Load("Connect:192.0.2.1 #REJECT\n");
        result.RuleSet!.FindAccess("connect:192.0.2.1")!.Action.Should().Be(AccessAction.Unknown);
        result.Warnings.Should().ContainSingle().Which.Reason.Should().StartWith("value \"#REJECT\" is not an access action");
    }

    [Test]
    public void Load_HashAfterABlankInsideTheValue_Warns() =>
        TestPolicy.Load("Connect:192.0.2.1 REJECT #spammer\n").Warnings
            .Should().Contain(w => w.Reason == "'#' inside the value is not a comment: it is part of the value");

    /// <summary>NEL (U+0085) is Unicode white space but a control character: it would reach the SMTP reply.</summary>
    [Test]
    public void Load_TrailingNextLineCharacter_IsRefusedAsControlCharacter() =>
        TestPolicy.Load("To:a.example ERROR:\"550 no\"\u0085\n").Errors.Should().ContainSingle()
            .Which.Reason.Should().StartWith("value contains the control character");

    [Test]
    public void Load_LinesRead_CountEveryLineOfTheFile() =>
        TestPolicy.Rules("Connect:192.0.2.1 OK\n# comment\n\nTo:a.example RELAY\n").Sources[0].Lines.Should().Be(4);

    /// <summary>Lines with the same value share one parsed value and one text; so do keys with the same tag.</summary>
    [Test]
    public void Load_RepeatedValueAndTag_AreShared()
    {
        var entries = TestPolicy.Rules("From:a.example REJECT\nFrom:b.example REJECT\n").AccessEntries;
        entries[1].Value.Should().BeSameAs(entries[0].Value);
        entries[1].Tag.Should().BeSameAs(entries[0].Tag);
    }

    /// <summary>Past 4,096 distinct values (a file of unique texts) values are parsed per line instead of being kept.</summary>
    [Test]
    public void Load_PastTheSharedValueBound_ValuesAreParsedPerLine()
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i <= 4096; i++)
        {
            text.Append("To:k").Append(i).Append(".example QUARANTINE:v").Append(i).Append('\n');
        }

        text.Append("To:first.example QUARANTINE:v0\nTo:last.example QUARANTINE:v4096\n");
        var rules = TestPolicy.Rules(text.ToString());
        rules.FindAccess("to:first.example")!.Value.Should().BeSameAs(rules.FindAccess("to:k0.example")!.Value);
        rules.FindAccess("to:last.example")!.Value.Should().NotBeSameAs(rules.FindAccess("to:k4096.example")!.Value);
    }
}
