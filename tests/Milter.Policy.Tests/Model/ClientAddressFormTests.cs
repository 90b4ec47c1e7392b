using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Model;

/// <summary>How a client address is rendered, compared and turned back into an <see cref="IPAddress"/>.</summary>
public sealed class ClientAddressFormTests
{
    [Test]
    public void FromIPAddress_Null_IsAnArgumentError() =>
        FluentActions.Invoking(() => ClientAddress.FromIPAddress(null!)).Should().Throw<ArgumentNullException>();

    [Test]
    public void None_HasNoSendmailForm_AndIsTheNoneIPAddress()
    {
        ClientAddress.None.ToString().Should().BeEmpty();
        ClientAddress.None.Format(new char[ClientAddress.MaxFormattedLength]).Should().Be(0);
        ClientAddress.None.ToIPAddress().Should().Be(IPAddress.None);
    }

    [TestCase("1000:100:10:1:fff:ff:f:0", "IPv6:1000:100:10:1:fff:ff:f:0")]
    [TestCase("ffff:8000:0:0:0:0:0:ffff", "IPv6:ffff:8000:0:0:0:0:0:ffff")]
    [TestCase("255.128.10.0", "255.128.10.0")]
    public void Rendering_WritesEveryGroupWithoutLeadingZeros(string input, string rendered)
    {
        ClientAddress.TryParse(input, out var address).Should().BeTrue();
        address.ToString().Should().Be(rendered);
        address.ToIPAddress().Should().Be(IPAddress.Parse(input));
    }

    [Test]
    public void SameBits_InAnotherFamily_AreNotTheSameAddress()
    {
        var v4 = ClientAddress.FromIPv4(1);
        var v6 = ClientAddress.FromIPv6(UInt128.One);
        v4.Equals(v6).Should().BeFalse();
        (v4 == v6).Should().BeFalse();
        (v4 != v6).Should().BeTrue();
        (v4 != ClientAddress.FromIPv4(1)).Should().BeFalse();
        v4.Equals((object)ClientAddress.FromIPv4(1)).Should().BeTrue();
    }
}
