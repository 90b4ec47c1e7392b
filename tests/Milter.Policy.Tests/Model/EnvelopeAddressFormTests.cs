using Milter.Policy.Model;

namespace Milter.Policy.Tests.Model;

/// <summary>The parts of an envelope address that are not covered by the split itself.</summary>
public sealed class EnvelopeAddressFormTests
{
    [Test]
    public void DomainAsWritten_KeepsTheTrailingDots_DomainDoesNot()
    {
        var address = EnvelopeAddress.Parse("<a@b.example..>");
        address.Domain.ToString().Should().Be("b.example");
        address.DomainAsWritten.ToString().Should().Be("b.example..");
        address.Bare.Should().Be("a@b.example");
    }

    [Test]
    public void NullSender_HasNoDomain() => EnvelopeAddress.Parse("<>").HasDomain.Should().BeFalse();

    [Test]
    public void AnEmptyLocalPart_BeforeTheAt_StillSplits()
    {
        var address = EnvelopeAddress.Parse("<@example.org>");
        address.HasDomain.Should().BeTrue();
        address.Local.ToString().Should().BeEmpty();
        address.Domain.ToString().Should().Be("example.org");
    }

    [Test]
    public void ToString_IsTheAddressAsWritten()
    {
        EnvelopeAddress.Parse(" <a@b.example> ").ToString().Should().Be(" <a@b.example> ");
        default(EnvelopeAddress).ToString().Should().BeEmpty();
    }
}
