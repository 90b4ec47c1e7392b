using Milter.Policy.Model;

namespace Milter.Policy.Tests;

public sealed class AddressParsingTests
{
    [TestCase("192.0.2.1", "192.0.2.1")]
    [TestCase("[192.0.2.1]", "192.0.2.1")]
    [TestCase("::ffff:192.0.2.1", "192.0.2.1")]
    [TestCase("IPv6:::ffff:192.0.2.1", "192.0.2.1")]
    [TestCase("2001:db8::1", "IPv6:2001:db8:0:0:0:0:0:1")]
    [TestCase("IPV6:2001:DB8::1", "IPv6:2001:db8:0:0:0:0:0:1")]
    [TestCase("[IPv6:2001:db8:0:0:0:0:0:1]", "IPv6:2001:db8:0:0:0:0:0:1")]
    [TestCase("::1", "IPv6:0:0:0:0:0:0:0:1")]
    public void ClientAddress_AnyForm_RendersSendmailForm(string input, string rendered)
    {
        ClientAddress.TryParse(input, out var address).Should().BeTrue();
        address.ToString().Should().Be(rendered);
    }

    [TestCase("")]
    [TestCase("localhost")]
    [TestCase("IPv6:")]
    public void ClientAddress_NotAnAddress_FailsToParse(string input) => ClientAddress.TryParse(input, out _).Should().BeFalse();

    [Test]
    public void ClientFacts_BracketedName_IsNormalisedLiteral() =>
        new ClientFacts("2001:db8::1", "[2001:DB8::1]").Name.Should().Be("[IPv6:2001:db8:0:0:0:0:0:1]");

    [TestCase("<User+x@Example.ORG>", "User+x", "Example.ORG")]
    [TestCase(" <a@b.example.> ", "a", "b.example")]
    [TestCase("<@hop1,@hop2:u@d.example>", "u", "d.example")]
    [TestCase("plain@d.example", "plain", "d.example")]
    [TestCase("<\"a@b\"@c.example>", "\"a@b\"", "c.example")]
    public void EnvelopeAddress_Splits(string raw, string local, string domain)
    {
        var address = EnvelopeAddress.Parse(raw);
        address.Local.ToString().Should().Be(local);
        address.Domain.ToString().Should().Be(domain);
        address.HasDomain.Should().BeTrue();
    }

    [TestCase("<>")]
    [TestCase("")]
    [TestCase("  ")]
    public void EnvelopeAddress_Empty_IsNullSender(string raw) => EnvelopeAddress.Parse(raw).IsNullSender.Should().BeTrue();
}
