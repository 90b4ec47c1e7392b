using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// check_relay and Relay_ok walk the same <c>Connect:</c> keys: untraced, the second walk reuses the first, with the
/// same answer as a fresh walk (untagged keys and parent domains included) and never across a rule reload; traced,
/// every stage shows its own probes.
/// </summary>
public sealed class ConnectWalkReuseTests
{
    private static PolicySession Untraced(PolicyEngine engine, string address, string? name = null) =>
        engine.OpenSession(new ClientFacts(address, name, ClientResolve.Ok), trace: false);

    [TestCase("client.example\tREJECT\n")]
    [TestCase("Connect:example\tREJECT\n")]
    public void UntracedNameWalk_FindsUntaggedKeysAndParentDomains(string access) =>
        Untraced(TestPolicy.Engine(access), "192.0.2.1", "client.example").Connect().IsRefusal.Should().BeTrue();

    [Test]
    public void UntracedAddressWalk_FindsUntaggedKeys() =>
        Untraced(TestPolicy.Engine("192.0.2\tREJECT\n"), "192.0.2.1").Connect().IsRefusal.Should().BeTrue();

    [Test]
    public void UntracedNameWalk_IsNotReusedAcrossARuleReload()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules(""));
        var session = Untraced(new PolicyEngine(holder), "192.0.2.1", "client.example");
        session.Connect();
        session.Mail("<a@sender.example>");
        holder.Swap(TestPolicy.Rules("Connect:client.example\tRELAY\n"));

        session.RcptSync("<x@remote.example>").IsRefusal.Should().BeFalse("the reloaded rules let the client's name relay");
    }

    [Test]
    public void UntracedTrustCheck_IsNotReusedAcrossARuleReload()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules(""));
        var session = Untraced(new PolicyEngine(holder), "192.0.2.1", "client.example");
        session.Connect();
        session.ClientIsTrusted().Should().BeFalse();
        holder.Swap(TestPolicy.Rules("Connect:client.example\tOK\n"));

        session.ClientIsTrusted().Should().BeTrue("the reloaded rules trust the client's name");
    }

    [Test]
    public void UntracedNameWalk_ReusedAtRcpt_GivesTheConnectAnswer()
    {
        var session = Untraced(TestPolicy.Engine("Connect:client.example\tRELAY\n"), "192.0.2.1", "client.example");
        session.Connect();
        session.Mail("<a@sender.example>");

        session.RcptSync("<x@remote.example>").IsRefusal.Should().BeFalse();
        session.RcptSync("<y@remote.example>").IsRefusal.Should().BeFalse();
    }

    [Test]
    public void TracedRcpt_ShowsItsOwnConnectProbes()
    {
        var session = TestPolicy.Engine("").Session("192.0.2.1", "client.example", ClientResolve.Ok);
        session.Connect();
        session.Mail("<a@sender.example>");

        var steps = session.RcptSync("<x@remote.example>").Trace!.Steps.Select(s => s.Key).ToList();

        steps.Should().Contain("connect:client.example").And.Contain("connect:192.0.2.1");
    }

    [Test]
    public void RefusedConnect_IsDeliveredAtMail_EvenWhenAFromEntryWouldRefuseOtherwise()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1\tERROR:550 go away\nFrom:sender.example\tREJECT\n").Session("192.0.2.1");
        session.Connect();
        session.Mail("<a@sender.example>").Outcome.Should().Be("550 5.0.0 go away");
    }

    [Test]
    public void RefusedConnect_IsDeliveredAtRcpt_EvenForALocalRecipient()
    {
        var session = TestPolicy.Engine("Connect:192.0.2.1\tREJECT\n").Session("192.0.2.1");
        session.Connect();
        session.RcptSync("<u@example.net>").Should().Match<Verdict>(v => v.Stage == PolicyStage.Rcpt && v.Action == VerdictAction.Reject);
    }
}
