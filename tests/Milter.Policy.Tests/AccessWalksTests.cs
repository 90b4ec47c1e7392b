using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>Walk orders of Sendmail's LookUpDomain, LookUpAddress and SearchList (proto.m4), proven through the deciding key and the trace.</summary>
public sealed class AccessWalksTests
{
    private static string? ConnectKey(string access, string address, string? name = null, PolicyOptions? options = null)
    {
        var session = TestPolicy.Engine(access, options).Session(address, name);
        return session.Connect().DecidingKey();
    }

    [TestCase("Connect:host.sub.example.tld REJECT", "connect:host.sub.example.tld")]
    [TestCase("host.sub.example.tld REJECT", "host.sub.example.tld")]
    [TestCase("Connect:sub.example.tld REJECT", "connect:sub.example.tld")]
    [TestCase("Connect:example.tld REJECT", "connect:example.tld")]
    [TestCase("Connect:tld REJECT", "connect:tld")]
    [TestCase("tld REJECT", "tld")]
    [TestCase("Connect:Example.TLD REJECT", "connect:example.tld")]
    public void DomainWalk_EachLevel_Matches(string entry, string key) =>
        ConnectKey(entry, "192.0.2.1", "HOST.Sub.Example.tld.").Should().Be(key);

    [Test]
    public void DomainWalk_TaggedAndBareAtSameLevel_TaggedWins() =>
        ConnectKey("spam.example OK\nConnect:spam.example REJECT", "192.0.2.1", "spam.example").Should().Be("connect:spam.example");

    [Test]
    public void DomainWalk_MoreSpecificBare_BeatsLessSpecificTagged() =>
        ConnectKey("a.spam.example OK\nConnect:spam.example REJECT", "192.0.2.1", "a.spam.example").Should().Be("a.spam.example");

    [Test]
    public void DomainWalk_LabelBoundary_NotSubstring() =>
        ConnectKey("Connect:spam.example REJECT", "192.0.2.1", "notspam.example").Should().BeNull();

    [Test]
    public void DomainWalk_ProbesInSendmailOrder()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1", "a.b.tld");
        session.Connect().Trace!.Steps.Take(6).Select(s => s.Key).Should().Equal(
            "connect:a.b.tld", "a.b.tld", "connect:b.tld", "b.tld", "connect:tld", "tld");
    }

    [Test]
    public void DomainWalk_LookupDotDomain_TriesDotRestAfterEachMiss()
    {
        var session = TestPolicy.Engine("", new PolicyOptions { LookupDotDomain = true }).Session("192.0.2.1", "a.b.tld");
        session.Connect().Trace!.Steps.Take(8).Select(s => s.Key).Should().Equal(
            "connect:a.b.tld", "a.b.tld", "connect:.b.tld", ".b.tld", "connect:b.tld", "b.tld", "connect:.tld", ".tld");
    }

    [Test]
    public void DomainWalk_DotDomainEntry_MatchesSubdomainsOnlyWithOption()
    {
        ConnectKey("Connect:.example.org REJECT", "192.0.2.1", "h.example.org", new PolicyOptions { LookupDotDomain = true }).Should().Be("connect:.example.org");
        ConnectKey("Connect:.example.org REJECT", "192.0.2.1", "h.example.org").Should().BeNull();
        ConnectKey("Connect:.example.org REJECT", "192.0.2.1", "example.org", new PolicyOptions { LookupDotDomain = true }).Should().BeNull();
    }

    [TestCase("Connect:192.0.2.1 REJECT", "connect:192.0.2.1")]
    [TestCase("192.0.2.1 REJECT", "192.0.2.1")]
    [TestCase("Connect:192.0.2 REJECT", "connect:192.0.2")]
    [TestCase("Connect:192.0 REJECT", "connect:192.0")]
    [TestCase("Connect:192 REJECT", "connect:192")]
    [TestCase("192 REJECT", "192")]
    public void AddressWalk_IPv4_ByOctet(string entry, string key) => ConnectKey(entry, "192.0.2.1").Should().Be(key);

    [Test]
    public void AddressWalk_IPv4_OctetBoundaryOnly() => ConnectKey("Connect:192.0.2.1 REJECT", "192.0.2.10").Should().BeNull();

    [Test]
    public void AddressWalk_IPv4_ProbesInSendmailOrder()
    {
        TestPolicy.Engine("").Session("1.2.3.4").Connect().Trace!.Steps.Select(s => s.Key).Should().Equal(
            "connect:1.2.3.4", "1.2.3.4", "connect:1.2.3", "1.2.3", "connect:1.2", "1.2", "connect:1", "1");
    }

    [TestCase("2001:db8::25")]
    [TestCase("2001:DB8:0::25")]
    [TestCase("IPv6:2001:db8::25")]
    [TestCase("ipv6:2001:db8:0:0:0:0:0:25")]
    [TestCase("[IPv6:2001:db8::25]")]
    public void AddressWalk_IPv6_AnyInputForm_MatchesUncompressedKey(string address) =>
        ConnectKey("Connect:IPv6:2001:db8:0:0:0:0:0:25 REJECT", address).Should().Be("connect:ipv6:2001:db8:0:0:0:0:0:25");

    [TestCase("Connect:IPv6:2001:db8:1 RELAY", "connect:ipv6:2001:db8:1")]
    [TestCase("Connect:IPv6:2001:db8 RELAY", "connect:ipv6:2001:db8")]
    [TestCase("Connect:IPv6:2001 RELAY", "connect:ipv6:2001")]
    [TestCase("Connect:IPv6 RELAY", "connect:ipv6")]
    [TestCase("IPv6:2001:db8:1 RELAY", "ipv6:2001:db8:1")]
    public void AddressWalk_IPv6_ByColonGroup(string entry, string key) => ConnectKey(entry, "2001:db8:1::25").Should().Be(key);

    [Test]
    public void AddressWalk_IPv6_ProbesEndWithBareIPv6()
    {
        var keys = TestPolicy.Engine("").Session("2001:db8::1").Connect().Trace!.Steps.Select(s => s.Key).ToList();
        keys[0].Should().Be("connect:ipv6:2001:db8:0:0:0:0:0:1");
        keys[^2..].Should().Equal("connect:ipv6", "ipv6");
        keys.Should().HaveCount(18);
    }

    [TestCase("::ffff:192.0.2.1")]
    [TestCase("IPv6:::ffff:192.0.2.1")]
    public void AddressWalk_V4Mapped_UsesIPv4Keys(string address) =>
        ConnectKey("Connect:192.0.2 REJECT", address).Should().Be("connect:192.0.2");

    [TestCase("Connect:10.0.0.0/8 REJECT", "10.200.3.4", true)]
    [TestCase("Connect:10.0.0.0/8 REJECT", "11.0.0.1", false)]
    [TestCase("Connect:192.0.2.0/28 REJECT", "192.0.2.15", true)]
    [TestCase("Connect:192.0.2.0/28 REJECT", "192.0.2.16", false)]
    [TestCase("Connect:0.0.0.0/0 REJECT", "203.0.113.1", true)]
    [TestCase("Connect:IPv6:2001:db8::/32 REJECT", "2001:db8:ffff::1", true)]
    [TestCase("Connect:IPv6:2001:db8::/32 REJECT", "2001:db9::1", false)]
    [TestCase("Connect:IPv6:2001:db8:0:8000::/49 REJECT", "2001:db8:0:8001::1", true)]
    [TestCase("Connect:IPv6:2001:db8:0:8000::/49 REJECT", "2001:db8:0:7fff::1", false)]
    public void AddressWalk_Cidr_MatchesByPrefix(string entry, string address, bool hit) =>
        (ConnectKey(entry, address) is not null).Should().Be(hit);

    [Test]
    public void AddressWalk_Cidr_LongestPrefixWins() =>
        ConnectKey("Connect:10.0.0.0/8 REJECT\nConnect:10.1.0.0/16 OK\nConnect:10.1.2.0/23 RELAY", "10.1.2.3").Should().Be("connect:10.1.2.0/23");

    [Test]
    public void AddressWalk_OctetKeyMoreSpecificThanCidr_Wins() =>
        ConnectKey("Connect:10.0.0.0/8 REJECT\nConnect:10.1.2 OK", "10.1.2.3").Should().Be("connect:10.1.2");

    [Test]
    public void AddressWalk_CidrMoreSpecificThanOctetKey_Wins() =>
        ConnectKey("Connect:10.1.2.0/25 REJECT\nConnect:10.1.2 OK", "10.1.2.3").Should().Be("connect:10.1.2.0/25");

    [Test]
    public void AddressWalk_CidrSameLengthAsOctetKey_OctetKeyWins() =>
        ConnectKey("Connect:10.1.2.0/24 REJECT\nConnect:10.1.2 OK", "10.1.2.3").Should().Be("connect:10.1.2");

    [Test]
    public void AddressWalk_Cidr_ProbesOnlyPresentLengths()
    {
        var rules = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"Connect:10.{i / 250}.{i % 250}.0/24 REJECT"));
        var steps = TestPolicy.Engine(rules).Session("172.16.0.1").Connect().Trace!.Steps;
        steps.Should().HaveCount(9, "8 octet probes + one probe for the single CIDR length, whatever the table size");
    }

    [TestCase("Connect:[192.0.2.1] REJECT", "connect:[192.0.2.1]")]
    [TestCase("Connect:[192.0.2] REJECT", "connect:[192.0.2]")]
    [TestCase("Connect:[192] REJECT", "connect:[192]")]
    public void LiteralName_WalksByOctet(string entry, string key) =>
        ConnectKey(entry, "198.51.100.1", "[192.0.2.1]").Should().Be(key);

    [Test]
    public void LiteralName_IPv6_WalksUncompressedByGroup() =>
        ConnectKey("Connect:[IPv6:2001:db8:0] REJECT", "198.51.100.1", "[IPv6:2001:db8::1]").Should().Be("connect:[ipv6:2001:db8:0]");

    [Test]
    public void NameWalk_HitStopsBeforeAddressWalk() =>
        ConnectKey("Connect:a.example REJECT\nConnect:192.0.2.1 OK", "192.0.2.1", "a.example").Should().Be("connect:a.example");

    [Test]
    public void NameSkip_StillRunsAddressWalk() =>
        ConnectKey("Connect:a.example SKIP\nConnect:192.0.2.1 REJECT", "192.0.2.1", "a.example").Should().Be("connect:192.0.2.1");

    private static string? MailKey(string access, string sender, PolicyOptions? options = null)
    {
        var session = TestPolicy.Engine(access, options).Session("192.0.2.1");
        session.Connect();
        return session.Mail(sender).DecidingKey();
    }

    [TestCase("From:user+det@example.org REJECT", "from:user+det@example.org")]
    [TestCase("user+det@example.org REJECT", "user+det@example.org")]
    [TestCase("From:user+*@example.org REJECT", "from:user+*@example.org")]
    [TestCase("From:user@example.org REJECT", "from:user@example.org")]
    [TestCase("From:user+det@ REJECT", "from:user+det@")]
    [TestCase("From:user+*@ REJECT", "from:user+*@")]
    [TestCase("From:user@ REJECT", "from:user@")]
    [TestCase("user@ REJECT", "user@")]
    [TestCase("From:example.org REJECT", "from:example.org")]
    [TestCase("From:org REJECT", "from:org")]
    public void MailboxSearch_EachForm_Matches(string entry, string key) =>
        MailKey(entry, "<User+Det@Example.ORG>").Should().Be(key);

    [Test]
    public void MailboxSearch_FullBeatsUserBeatsDomain()
    {
        const string all = "From:example.org REJECT\nFrom:user@ DISCARD\nFrom:user@example.org OK";
        MailKey(all, "<user@example.org>").Should().Be("from:user@example.org");
        MailKey("From:example.org REJECT\nFrom:user@ DISCARD", "<user@example.org>").Should().Be("from:user@");
    }

    [Test]
    public void MailboxSearch_ProbeOrder_IsFullThenUserThenDomain()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1");
        session.Connect();
        session.Mail("<u+d@x.org>").Trace!.Steps.Select(s => s.Key).Should().Equal(
            "from:u+d@x.org", "u+d@x.org", "from:u+*@x.org", "u+*@x.org", "from:u@x.org", "u@x.org",
            "from:u+d@", "u+d@", "from:u+*@", "u+*@", "from:u@", "u@",
            "from:x.org", "x.org", "from:org", "org");
    }

    [Test]
    public void MailboxSearch_WithoutDetail_SkipsPlusForms()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1");
        session.Connect();
        session.Mail("<u@x.org>").Trace!.Steps.Select(s => s.Key).Should().NotContain(k => k.Contains('+'));
    }

    [Test]
    public void MailboxSearch_SourceRoute_IsStripped() =>
        MailKey("From:u@x.org REJECT", "<@relay.example:u@x.org>").Should().Be("from:u@x.org");

    [Test]
    public void MailboxSearch_LiteralDomain_WalksByOctet() =>
        MailKey("From:[192.0.2] REJECT", "<u@[192.0.2.7]>").Should().Be("from:[192.0.2]");

    [TestCase("[IPv6:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]")]
    [TestCase("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]")]
    public void LiteralName_OfTheLongestIPv6Form_WalksByGroup(string literal) =>
        ConnectKey("Connect:[IPv6:ffff:ffff] REJECT", "198.51.100.1", literal).Should().Be("connect:[ipv6:ffff:ffff]");

    [Test]
    public void DomainWalk_UpToTheLongestKey_IsWalked()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 16)) + ".example";
        name = new string('b', 1024 - "connect:".Length - name.Length) + name;
        ("connect:" + name).Should().HaveLength(1024);
        ConnectKey("Connect:example REJECT", "192.0.2.1", name).Should().Be("connect:example");
        ConnectKey("Connect:example REJECT", "192.0.2.1", "b" + name).Should().BeNull("a key longer than any entry is not asked");
    }

    [Test]
    public void DomainWalk_GoesOnPastAnEmptyLabel() =>
        ConnectKey("Connect:example REJECT", "192.0.2.1", "a..example").Should().Be("connect:example");
}
