using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>Which counts share a bucket: each scope's text, equality and the edges of network prefixes and addresses.</summary>
public sealed class LimitKeyScopeTests
{
    private static ClientAddress Parse(string address) =>
        ClientAddress.TryParse(address, out var parsed) ? parsed : throw new ArgumentException(address);

    [Test]
    public void EachScope_HasItsText()
    {
        LimitKey.Server.Text.Should().Be("*");
        LimitKey.Server.ToString().Should().Be("Server:*");
        LimitKey.ForClient(Parse("192.0.2.7"))!.Value.Text.Should().Be("192.0.2.7");
        LimitKey.ForClient(Parse("2001:db8::7"))!.Value.Text.Should().Be("IPv6:2001:db8:0:0:0:0:0:7");
        LimitKey.ForNetwork(Parse("2001:db8:1:2::1"))!.Value.Text.Should().Be("IPv6:2001:db8:1:2:0:0:0:0/64");
        LimitKey.ForUser("Alice")!.Value.Text.Should().Be("alice");
        LimitKey.ForSender("<Jo+x@Example.ORG>")!.Value.ToString().Should().Be("Sender:jo@example.org");
        LimitKey.ForPair("<Jo@Example.org>", "<Bob+y@Example.NET>").Text.Should().Be("jo@example.org>bob@example.net");
        LimitKey.ForPair(null, "<bob@example.net>").Text.Should().Be("<>>bob@example.net");
    }

    [TestCase(0, "0.0.0.0/0")]
    [TestCase(-5, "0.0.0.0/0")]
    [TestCase(8, "192.0.0.0/8")]
    [TestCase(32, "192.0.2.7/32")]
    [TestCase(40, "192.0.2.7/32")]
    public void NetworkPrefixV4_IsClampedAndMasked(int prefix, string text) =>
        LimitKey.ForNetwork(Parse("192.0.2.7"), v4Prefix: prefix)!.Value.Text.Should().Be(text);

    [TestCase(0, "IPv6:0:0:0:0:0:0:0:0/0")]
    [TestCase(-1, "IPv6:0:0:0:0:0:0:0:0/0")]
    [TestCase(32, "IPv6:2001:db8:0:0:0:0:0:0/32")]
    [TestCase(128, "IPv6:2001:db8:1:2:0:0:0:7/128")]
    [TestCase(200, "IPv6:2001:db8:1:2:0:0:0:7/128")]
    public void NetworkPrefixV6_IsClampedAndMasked(int prefix, string text) =>
        LimitKey.ForNetwork(Parse("2001:db8:1:2::7"), v6Prefix: prefix)!.Value.Text.Should().Be(text);

    [Test]
    public void ClientAndNetworkOfTheSameBits_AreDifferentKeys()
    {
        var client = LimitKey.ForClient(Parse("192.0.2.7"))!.Value;
        var network = LimitKey.ForNetwork(Parse("192.0.2.7"), v4Prefix: 32)!.Value;
        (client == network).Should().BeFalse();
        (client != network).Should().BeTrue();
        client.Equals((object)network).Should().BeFalse();
    }

    [Test]
    public void EqualKeys_AreEqualEverywhere()
    {
        var a = LimitKey.ForSender("<jo@example.org>")!.Value;
        var b = LimitKey.ForSender("<JO+x@EXAMPLE.ORG>")!.Value;
        (a == b).Should().BeTrue();
        (a != b).Should().BeFalse();
        a.Equals((object)b).Should().BeTrue();
        a.Equals("jo@example.org").Should().BeFalse();
        a.GetHashCode().Should().Be(b.GetHashCode());
    }

    [Test]
    public void LocalPartAndDomain_AreSeparated() =>
        LimitKey.ForSender("<ab@c.example>").Should().NotBe(LimitKey.ForSender("<a@bc.example>"));

    [Test]
    public void UnqualifiedSender_DiffersFromQualified()
    {
        LimitKey.ForSender("<jo>").Should().NotBe(LimitKey.ForSender("<jo@example.org>"));
        LimitKey.ForSender("<jo>")!.Value.Text.Should().Be("jo");
    }

    [Test]
    public void Pair_SenderAndRecipientAreSeparated() =>
        LimitKey.ForPair("<a@x.example>", "<b@y.example>").Should().NotBe(LimitKey.ForPair("<a@x.exampleb>", "<@y.example>"));

    [Test]
    public void Pair_NullSenderCountsAsAngleBrackets() =>
        LimitKey.ForPair("<>", "<b@y.example>").Should().Be(LimitKey.ForPair(null, "<b@y.example>"));

    [Test]
    public void Pair_DiffersFromSenderAlone() =>
        LimitKey.ForPair("<a@x.example>", "<>").Hi.Should().NotBe(LimitKey.ForSender("<a@x.example>")!.Value.Hi);

    [TestCase(null)]
    [TestCase("")]
    public void User_EmptyHasNoKey(string? user) => LimitKey.ForUser(user).Should().BeNull();

    [Test]
    public void User_NonAsciiIsCaseFolded() =>
        LimitKey.ForUser("ÉLODIE").Should().Be(LimitKey.ForUser("élodie"));

    [Test]
    public void User_CaseFoldingKeepsDistinctNames() =>
        LimitKey.ForUser("a[").Should().NotBe(LimitKey.ForUser("a{"));

    [Test]
    public void Normalize_NullSenderIsAngleBrackets() => LimitKey.Normalize("<>").Should().Be("<>");

    [Test]
    public void Normalize_PlusAtTheStartIsKept() => LimitKey.Normalize("<+x@Example.org>").Should().Be("+x@example.org");

    [Test]
    public void Hash_LengthCountsSoPrefixesDiffer() =>
        LimitKey.ForUser("a").Should().NotBe(LimitKey.ForUser("aa"));
}
