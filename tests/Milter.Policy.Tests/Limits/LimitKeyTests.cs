using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

public sealed class LimitKeyTests
{
    private static ClientAddress Parse(string address) =>
        ClientAddress.TryParse(address, out var parsed) ? parsed : throw new ArgumentException(address);

    [TestCase("<Jo+News@Example.ORG.>", "jo@example.org")]
    [TestCase("<jo@example.org>", "jo@example.org")]
    [TestCase("JO+a+b@EXAMPLE.org", "jo@example.org")]
    [TestCase("<@relay.example:jo@example.org>", "jo@example.org")]
    public void ForSender_CaseAndDetail_AreOneKey(string written, string normalized)
    {
        LimitKey.ForSender(written).Should().Be(LimitKey.ForSender("<jo@example.org>"));
        LimitKey.ForSender(written)!.Value.Text.Should().Be(normalized);
    }

    [Test]
    public void ForSender_PlusAtTheStart_IsKept() =>
        LimitKey.ForSender("<+jo@example.org>").Should().NotBe(LimitKey.ForSender("<jo@example.org>"));

    [Test]
    public void ForSender_DifferentAddresses_AreDifferentKeys() =>
        LimitKey.ForSender("<jo@example.org>").Should().NotBe(LimitKey.ForSender("<jo@example.net>"));

    [Test]
    public void ForSender_NullSender_IsNotCounted() => LimitKey.ForSender("<>").Should().BeNull();

    [Test]
    public void ForPair_OrderMatters_AndDetailIsDropped()
    {
        LimitKey.ForPair("<a@x.example>", "<B+1@y.example>").Should().Be(LimitKey.ForPair("<A@X.example>", "<b@y.example>"));
        LimitKey.ForPair("<a@x.example>", "<b@y.example>").Should().NotBe(LimitKey.ForPair("<b@y.example>", "<a@x.example>"));
        LimitKey.ForPair("<>", "<b@y.example>").Text.Should().Be("<>>b@y.example");
    }

    [Test]
    public void ForUser_IsCaseFolded()
    {
        LimitKey.ForUser("Alice").Should().Be(LimitKey.ForUser("alice"));
        LimitKey.ForUser("").Should().BeNull();
    }

    [Test]
    public void ForNetwork_V4Slash24_GroupsTheLastOctet()
    {
        var a = LimitKey.ForNetwork(Parse("192.0.2.1"))!.Value;
        a.Should().Be(LimitKey.ForNetwork(Parse("192.0.2.254")));
        a.Should().NotBe(LimitKey.ForNetwork(Parse("192.0.3.1")));
        a.Text.Should().Be("192.0.2.0/24");
    }

    [Test]
    public void ForNetwork_V6Slash64_GroupsTheInterfaceId()
    {
        var a = LimitKey.ForNetwork(Parse("2001:db8:1:2::1"))!.Value;
        a.Should().Be(LimitKey.ForNetwork(Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        a.Should().NotBe(LimitKey.ForNetwork(Parse("2001:db8:1:3::1")));
    }

    [Test]
    public void ForClient_V4MappedV6_IsTheV4Key() =>
        LimitKey.ForClient(Parse("::ffff:192.0.2.1")).Should().Be(LimitKey.ForClient(Parse("192.0.2.1")));

    [Test]
    public void ForClient_LocalClient_HasNoKey() => LimitKey.ForClient(ClientAddress.None).Should().BeNull();
}
