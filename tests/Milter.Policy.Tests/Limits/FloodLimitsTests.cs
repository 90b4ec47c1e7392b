using Milter.Policy.Limits;
using static Milter.Policy.Tests.Limits.LimitTesting;

namespace Milter.Policy.Tests.Limits;

/// <summary>When the flood limits have nothing to check: no cap above 0, no rate limit, no access entries.</summary>
public sealed class FloodLimitsTests
{
    [Test]
    public void NothingOn_IsEmpty() => new FloodLimits { AccessEntries = false }.IsEmpty.Should().BeTrue();

    [Test]
    public void AccessEntriesAlone_AreSomethingToCheck() => new FloodLimits().IsEmpty.Should().BeFalse();

    [Test]
    public void CapsOfZero_AreOff() =>
        new FloodLimits
        {
            AccessEntries = false,
            ClientConnections = new CountLimit("ClientConnections", 0),
            RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 0),
        }.IsEmpty.Should().BeTrue();

    [Test]
    public void ConnectionCap_IsSomethingToCheck() =>
        new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) }.IsEmpty.Should().BeFalse();

    [Test]
    public void RecipientCap_IsSomethingToCheck() =>
        new FloodLimits { AccessEntries = false, RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) }.IsEmpty.Should().BeFalse();

    [Test]
    public void ARateLimit_IsSomethingToCheck()
    {
        var limits = new FloodLimits { AccessEntries = false, ServerRecipientRate = Rate("ServerRecipientRate", LimitScope.Server, 5) };
        limits.IsEmpty.Should().BeFalse();
        limits.RateLimits.Should().ContainSingle().Which.Name.Should().Be("ServerRecipientRate");
    }
}
