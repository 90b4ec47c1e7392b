using Milter.Policy.Limits;
using Milter.Policy.Model;
using static Milter.Policy.Tests.Limits.LimitTesting;

namespace Milter.Policy.Tests.Limits;

/// <summary>A gate's message keys are kept in one object reused by the session's later messages: each message counts under its own keys.</summary>
public sealed class LimitMessageTests
{
    [Test]
    public void SecondMessage_CountsUnderItsOwnSenderAndUser_NotTheFirsts()
    {
        var hits = new List<LimitHit>();
        var limits = new LimitEngine(new FloodLimits
        {
            SenderRecipientRate = Rate("SenderRecipientRate", LimitScope.Sender, 1),
            UserRecipientRate = Rate("UserRecipientRate", LimitScope.User, 1),
        }, new MemoryRateLimitStore(), new Hits(hits));
        var session = TestPolicy.Engine("").OpenSession(new ClientFacts("192.0.2.1"));
        session.Connect();
        var gate = limits.Open(session);
        Sync(gate.MailAsync("<a@x.example>", new AuthFacts("PLAIN", "alice"))).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull();
        gate.EndMessage();

        Sync(gate.MailAsync("<b@x.example>")).Should().BeNull();
        Sync(gate.RcptAsync("<r1@y.example>")).Should().BeNull("b's first recipient, and no user: not authenticated");
        Sync(gate.RcptAsync("<r2@y.example>")).Should().NotBeNull();

        hits.Select(h => (h.Limit, h.Key)).Should().Equal(("SenderRecipientRate", "b@x.example"));
    }
}
