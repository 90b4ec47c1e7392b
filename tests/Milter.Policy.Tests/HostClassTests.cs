using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>Class files as sendmail reads them, and the class lookups (names, domain suffixes, address prefixes).</summary>
public sealed class HostClassTests
{
    private static ClientAddress Address(string text)
    {
        ClientAddress.TryParse(text, out var address).Should().BeTrue();
        return address;
    }

    [TestCase("a.example\nb.example\n", TestName = "Parse_ClassFileWithFinalNewline_CountsItsLines")]
    [TestCase("a.example\nb.example", TestName = "Parse_ClassFileWithoutFinalNewline_KeepsTheLastLine")]
    public void Parse_ClassFile_ReadsEveryLine(string relay)
    {
        var rules = TestPolicy.Rules("", relay: relay);
        rules.RelayDomains.Members.Should().BeEquivalentTo("a.example", "b.example");
        rules.Sources[1].Lines.Should().Be(2);
    }

    [Test]
    public void Parse_WordOfDotsOnly_IsNoMember() =>
        TestPolicy.Rules("", relay: ". .. a.example\n").RelayDomains.Members.Should().Equal("a.example");

    /// <summary>sendmail splits class words on C-locale blanks: a no-break space is part of the word.</summary>
    [Test]
    public void Parse_NoBreakSpace_DoesNotSplitAWord() =>
        TestPolicy.Rules("", relay: "a.example\u00A0b.example\n").RelayDomains.Count.Should().Be(1);

    [Test]
    public void ClassEntry_NamesItsClassFileAndLine()
    {
        var entry = TestPolicy.Rules("", relay: "# c\nA.example\n").RelayDomains.Find("a.example", null)!;
        entry.Name.Should().Be("a.example");
        entry.ClassName.Should().Be('R');
        entry.ToString().Should().Be("relay-domains:2 class R a.example");
    }

    [Test]
    public void Find_MembersLongerThanSixtyFourCharacters_AreFound()
    {
        var longName = new string('a', 70) + ".example";
        var relay = TestPolicy.Rules("", relay: "b.example\n" + longName + "\n").RelayDomains;
        relay.FindDomainSuffix("mx." + longName, exactOnly: false, null)!.Name.Should().Be(longName);
        relay.Find("b.example", null).Should().NotBeNull();
    }

    [TestCase("9", "9.8.7.6")]
    [TestCase("9.8", "9.8.7.6")]
    [TestCase("ipv6:2001:db8", "2001:db8::1")]
    public void FindAddressPrefix_MemberIsAPrefix_IsFound(string member, string address) =>
        TestPolicy.Rules("", relay: member + "\n").RelayDomains.FindAddressPrefix(Address(address), null)!.Name.Should().Be(member);

    [Test]
    public void FindAddressPrefix_BareIPv6Tag_IsNoPrefix() =>
        TestPolicy.Rules("", relay: "IPv6\n").RelayDomains.FindAddressPrefix(Address("2001:db8::1"), null).Should().BeNull();
}
