using Milter.Policy.Model;

namespace Milter.Policy.Tests.Walks;

/// <summary>CIDR blocks shorter than an octet, traced CIDR probes, expanded IPv6 literals and clients without an address.</summary>
public sealed class CidrWalkTests
{
    private static string? ConnectKey(string access, string address, string? name = null) =>
        TestPolicy.Engine(access).Session(address, name).Connect().DecidingKey();

    [Test]
    public void BlocksShorterThanAnOctet_AreTriedLongestFirstAfterTheOctetWalk() =>
        ConnectKey("Connect:10.0.0.0/7 OK\nConnect:128.0.0.0/1 REJECT", "192.0.2.1").Should().Be("connect:128.0.0.0/1");

    [Test]
    public void CidrProbes_AreTracedAsNetworkAndLength()
    {
        var keys = TestPolicy.Engine("Connect:10.0.0.0/8 REJECT\nConnect:192.0.0.0/23 OK").Session("192.0.2.1").Connect().Trace!.Steps.Select(s => s.Key);
        keys.Should().ContainInOrder("connect:192.0.2.1", "connect:192.0.2", "connect:192.0.2.0/23", "connect:192.0", "connect:192", "connect:192.0.0.0/8");
    }

    [Test]
    public void IPv6CidrProbes_AreTracedInSendmailForm()
    {
        var keys = TestPolicy.Engine("Connect:IPv6:2001:db9::/32 REJECT").Session("2001:db8::1").Connect().Trace!.Steps.Select(s => s.Key);
        keys.Should().Contain("connect:IPv6:2001:db8:0:0:0:0:0:0/32");
    }

    [Test]
    public void ShortIPv6Literal_IsExpandedBeyondItsWrittenLength() =>
        ConnectKey("Connect:[IPv6:0:0:0:0:0:0:0:1] REJECT", "198.51.100.1", "[IPv6:::1]").Should().Be("connect:[ipv6:0:0:0:0:0:0:0:1]");

    [Test]
    public void ClientWithoutAddress_HasNoAddressWalk() =>
        TestPolicy.Engine("").Session("").Connect().Trace!.Steps.Should().NotContain(s => s.Key == "connect:" || s.Key == "");

    [Test]
    public void IPv6Block_LongerThanAGroupKey_IsTriedBeforeIt() =>
        TestPolicy.Engine("Connect:IPv6:2001:db8 OK\nConnect:IPv6:2001:db8::/40 REJECT").Session("2001:db8:1:2::1").Connect().Action
            .Should().Be(VerdictAction.Reject);

    [Test]
    public void IPv6Block_OfAGroupKeysLength_IsTriedAfterIt() =>
        TestPolicy.Engine("Connect:IPv6:2001:db8 OK\nConnect:IPv6:2001:db8::/32 REJECT").Session("2001:db8:1:2::1").Connect().Action
            .Should().Be(VerdictAction.Accept);

    [Test]
    public void IPv6Block_BetweenTwoGroupKeys_IsTriedBetweenThem()
    {
        var steps = TestPolicy.Engine("Connect:IPv6:2001:db8:2::/56 REJECT").Session("2001:db8:1:2::1").Connect().Trace!.Steps.Select(s => s.Key).ToList();
        steps.Should().ContainInOrder("connect:ipv6:2001:db8:1:2", "connect:IPv6:2001:db8:1:0:0:0:0:0/56", "connect:ipv6:2001:db8:1");
        steps.IndexOf("connect:IPv6:2001:db8:1:0:0:0:0:0/56").Should().Be(steps.IndexOf("ipv6:2001:db8:1:2") + 1);
    }
}
