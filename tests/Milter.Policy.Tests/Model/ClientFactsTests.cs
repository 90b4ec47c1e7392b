using Milter.Policy.Model;

namespace Milter.Policy.Tests.Model;

/// <summary>What the connect macros mean: a local client, a literal client name, names kept as sent.</summary>
public sealed class ClientFactsTests
{
    [Test]
    public void NoAddress_IsALocalClient_WithAnEmptyRawAddress()
    {
        var facts = new ClientFacts((string?)null);
        facts.RawAddress.Should().BeEmpty();
        facts.IsLocal.Should().BeTrue();
        facts.IPAddress.Should().BeNull();
    }

    [TestCase("not-an-address")]
    [TestCase("127.0.0.2")]
    [TestCase("192.0.2.1")]
    public void AnythingElse_IsNotLocal(string address) => new ClientFacts(address).IsLocal.Should().BeFalse();

    [Test]
    public void AOneCharacterBracket_IsNotAnAddressLiteral() =>
        new ClientFacts("192.0.2.1", "[").NameIsLiteral.Should().BeFalse();

    [Test]
    public void ABracketedLiteral_IsAnAddressLiteral() =>
        new ClientFacts("192.0.2.1", "[192.0.2.1]").NameIsLiteral.Should().BeTrue();

    [TestCase("[192.0.2.1]", "[192.0.2.1]")]
    [TestCase("[IPv6:2001:db8:0:0:0:0:0:1]", "[IPv6:2001:db8:0:0:0:0:0:1]")]
    [TestCase("[192.0.2.1].", "[192.0.2.1]")]
    [TestCase("[IPv6:2001:DB8::1]", "[IPv6:2001:db8:0:0:0:0:0:1]")]
    [TestCase("[::ffff:192.0.2.1]", "[192.0.2.1]")]
    [TestCase("[2001:db8::1]", "[IPv6:2001:db8:0:0:0:0:0:1]")]
    public void ABracketedLiteral_IsWrittenInSendmailsForm(string name, string expected) =>
        new ClientFacts("192.0.2.1", name).Name.Should().Be(expected);

    [Test]
    public void ALiteralAlreadyInSendmailsForm_IsKeptAsGiven_NotCopied()
    {
        var name = new string("[192.0.2.1]".AsSpan());
        new ClientFacts("192.0.2.1", name).Name.Should().BeSameAs(name);
    }

    [TestCase("IPv6:[::1]")]
    [TestCase("h.example]")]
    public void ANameNotWrittenAsABracketedLiteral_IsKeptAsSent(string name) =>
        new ClientFacts("192.0.2.1", name).Name.Should().Be(name);
}
