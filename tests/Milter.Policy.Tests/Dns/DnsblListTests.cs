using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Dns;

public sealed class DnsblListTests
{
    [TestCase("127.0.0.2.", "127.0.0.2", true)]
    [TestCase("127.0.0.2", "127.0.0.2.", true)]
    [TestCase("127.0.0.2.", "127.0.0.3", false)]
    [TestCase("127.0.0.$-.", "127.0.0.10", true)]
    [TestCase("127.0.0.$-.", "127.0.1.10", false)]
    [TestCase("127.$+", "127.0.0.4", true)]
    [TestCase("127.$+", "127", false)]
    [TestCase("127.$*", "127", true)]
    [TestCase("$+", "10.0.0.1", true)]
    public void Pattern_MatchesLabelsAsSendmailMatchesTokens(string pattern, string value, bool matches)
    {
        DnsblPattern.TryParse(pattern, out var parsed, out _).Should().BeTrue();
        parsed!.Matches(value).Should().Be(matches);
    }

    [TestCase("")]
    [TestCase("127..2")]
    [TestCase("127.0.0.$x")]
    [TestCase("127 0")]
    public void Pattern_Malformed_IsRefused(string pattern) =>
        DnsblPattern.TryParse(pattern, out _, out var error).Should().BeFalse(error);

    [Test]
    public void DefaultReplies_AreSendmails_WithTheClientAddress()
    {
        var list = new DnsblList(new DnsblOptions { Zone = "Bl.Example." });
        var client = new ClientFacts("192.0.2.1").Address;

        list.Zone.Should().Be("bl.example");
        list.QueryName(client).Should().Be("1.2.0.192.bl.example");
        DnsblList.Render(list.Reply, client).Line.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
        DnsblList.Render(list.TemporaryReply, client).Line.Should().Be("451 4.4.3 Temporary lookup failure of 192.0.2.1 at bl.example");
    }

    [Test]
    public void CustomReply_ReplacesTheMacro()
    {
        var list = new DnsblList(new DnsblOptions { Zone = "bl.example", Reply = "554 5.7.1 Mail from $&{client_addr} refused, see https://bl.example/" });
        DnsblList.Render(list.Reply, new ClientFacts("198.51.100.9").Address).Line.Should().Be("554 5.7.1 Mail from 198.51.100.9 refused, see https://bl.example/");
    }

    [Test]
    public void Dnsbl_ListsOnAnyRecord_EnhDnsbl_OnlyOnAMatch()
    {
        new DnsblList(new DnsblOptions { Zone = "bl.example" }).Lists(["127.0.0.4"]).Should().BeTrue();
        var enhanced = new DnsblList(new DnsblOptions { Zone = "bl.example", Match = ["127.0.0.2.", "127.0.0.3."] });
        enhanced.Lists(["127.0.0.4"]).Should().BeFalse();
        enhanced.Lists(["127.0.0.4", "127.0.0.3"]).Should().BeTrue();
        enhanced.Lists([]).Should().BeFalse();
    }

    [Test]
    public void IPv6Clients_AreAskedOnlyWhenTheListSaysSo()
    {
        var v6 = new ClientFacts("2001:db8::1").Address;
        new DnsblList(new DnsblOptions { Zone = "bl.example" }).Covers(v6).Should().BeFalse("Sendmail's rules ask for IPv4 clients only");
        var list = new DnsblList(new DnsblOptions { Zone = "bl.example", IPv6 = true });
        list.Covers(v6).Should().BeTrue();
        list.QueryName(v6).Should().Be("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
    }

    [TestCase("", "Zone")]
    [TestCase("bad zone", "Zone")]
    public void BadZone_IsRefused(string zone, string named) =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = zone })).Should().Throw<ArgumentException>().WithMessage(named + ":*");

    [TestCase("451 4.7.1 x", "Reply")]
    [TestCase("nonsense", "Reply")]
    public void ReplyOfTheWrongClass_IsRefused(string reply, string named) =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = "bl.example", Reply = reply })).Should().Throw<ArgumentException>().WithMessage(named + ":*");

    [TestCase("127.$-", "127.0.0.2", false)]
    [TestCase("127.0.0.2.5", "127.0.0.2", false)]
    [TestCase("127.0.0.$-.$-", "127.0.0.2", false)]
    public void Pattern_LongerOrShorterThanTheValue_DoesNotMatch(string pattern, string value, bool matches)
    {
        DnsblPattern.TryParse(pattern, out var parsed, out _).Should().BeTrue();
        parsed!.Matches(value).Should().Be(matches);
    }

    [Test]
    public void Pattern_Errors_SayWhatIsWrong()
    {
        DnsblPattern.TryParse(" . ", out _, out var empty).Should().BeFalse();
        empty.Should().Be("an empty pattern");
        DnsblPattern.TryParse("127.$x", out _, out var malformed).Should().BeFalse();
        malformed.Should().Be("'127.$x' is not a result pattern (labels, $-, $+ or $*, separated by dots)");
    }

    [Test]
    public void MalformedMatchPattern_IsRefused_NamingItsIndex() =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = "bl.example", Match = ["127.0.0.2", "127..3"] }))
            .Should().Throw<ArgumentException>().WithMessage("Match:1: '127..3' is not a result pattern*");

    [Test]
    public void TemporaryReplyOfTheWrongClass_IsRefused_NamingIt() =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = "bl.example", TemporaryReply = "550 5.7.1 x" }))
            .Should().Throw<ArgumentException>().WithMessage("TemporaryReply: '550 5.7.1 x'*");

    [Test]
    public void CustomTemporaryReply_IsUsed() =>
        DnsblList.Render(new DnsblList(new DnsblOptions { Zone = "bl.example", TemporaryReply = "421 4.4.3 $&{client_addr}: list down" }).TemporaryReply,
            new ClientFacts("192.0.2.1").Address).Line.Should().Be("421 4.4.3 192.0.2.1: list down");

    [Test]
    public void MissingZone_IsRefused_QuotingWhatWasGiven() =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions())).Should().Throw<ArgumentException>().WithMessage("Zone: '' is not a domain name*");

    [Test]
    public void Dnsbl_WithoutPatterns_DoesNotListOnAnEmptyAnswer() =>
        new DnsblList(new DnsblOptions { Zone = "bl.example" }).Lists([]).Should().BeFalse();

    [Test]
    public void Zone_IsBoundedTo200Characters_AndLabelsTo63()
    {
        var label63 = new string('a', 63);
        var zone200 = string.Join('.', label63, label63, label63, new string('b', 8));
        zone200.Should().HaveLength(200);
        new DnsblList(new DnsblOptions { Zone = zone200 }).Zone.Should().Be(zone200);
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = zone200 + "b" })).Should().Throw<ArgumentException>().WithMessage("Zone:*");
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = label63 + "a.example" })).Should().Throw<ArgumentException>().WithMessage("Zone:*");
    }

    [TestCase("bl..example")]
    [TestCase("bl.bad zone")]
    [TestCase("ok.b!d")]
    public void ZoneWithAnEmptyOrBadLabel_IsRefused(string zone) =>
        FluentActions.Invoking(() => new DnsblList(new DnsblOptions { Zone = zone })).Should().Throw<ArgumentException>().WithMessage("Zone:*");
}
