using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Walks;

/// <summary>
/// Live sessions run untraced and reuse the connect-time Connect: walks at RCPT; the reused answer must be the one a
/// traced walk gives, and a rule reload between the stages must be seen.
/// </summary>
public sealed class UntracedWalkTests
{
    private static PolicySession Untraced(PolicyEngine engine, string address, string? name = null, ClientResolve resolve = ClientResolve.Ok) =>
        engine.OpenSession(new ClientFacts(address, name, resolve), trace: false);

    private static Verdict Rcpt(PolicySession session, string rcpt)
    {
        session.Connect();
        session.Mail("<a@sender.example>");
        return session.RcptSync(rcpt);
    }

    [TestCase("Connect:192.0.2 RELAY", "192.0.2.1", null, true)]
    [TestCase("Connect:192.0.2.0/24 RELAY", "192.0.2.1", null, true)]
    [TestCase("Connect:192.0.2 OK", "192.0.2.1", null, false)]
    [TestCase("Connect:partner.example RELAY", "198.18.0.1", "mx.partner.example", true)]
    [TestCase("Connect:partner.example OK", "198.18.0.1", "mx.partner.example", false)]
    public void ConnectRelay_UntracedDecidesAsTraced(string access, string address, string? name, bool accepted)
    {
        var engine = TestPolicy.Engine(access);
        var untraced = Rcpt(Untraced(engine, address, name), "<x@elsewhere.example>");
        (untraced.Action == VerdictAction.Accept).Should().Be(accepted);
        untraced.Trace.Should().BeNull();
        engine.Rcpt(address, "<x@elsewhere.example>", name: name, resolve: ClientResolve.Ok).Action.Should().Be(untraced.Action);
    }

    [Test]
    public void ConnectReject_Untraced_RefusesAtConnect() =>
        Untraced(TestPolicy.Engine("Connect:192.0.2 REJECT"), "192.0.2.1").Connect().Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void ConnectNameRelayWithHostsOnly_Untraced_IsExact()
    {
        var engine = TestPolicy.Engine("Connect:partner.example RELAY", new PolicyOptions { RelayHostsOnly = true });
        Rcpt(Untraced(engine, "198.18.0.1", "mx.partner.example"), "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Reject);
        Rcpt(Untraced(engine, "198.18.0.1", "partner.example"), "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void RulesReloadedAfterConnect_RcptUsesTheNewAddressRules()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules("Connect:192.0.2 RELAY"));
        var session = new PolicyEngine(holder).OpenSession(new ClientFacts("192.0.2.1", null, ClientResolve.Unknown), trace: false);
        session.Connect();
        session.Mail("<a@sender.example>");
        holder.Swap(TestPolicy.Rules(""));
        session.RcptSync("<x@elsewhere.example>").Action.Should().Be(VerdictAction.Reject, "the RELAY entry was removed before RCPT");
    }

    [Test]
    public void RulesReloadedAfterConnect_RcptUsesTheNewNameRules()
    {
        var holder = new RuleSetHolder(TestPolicy.Rules(""));
        var session = new PolicyEngine(holder).OpenSession(new ClientFacts("198.18.0.1", "mx.partner.example", ClientResolve.Ok), trace: false);
        session.Connect();
        session.Mail("<a@sender.example>");
        holder.Swap(TestPolicy.Rules("Connect:partner.example RELAY"));
        session.RcptSync("<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept, "the RELAY entry was added before RCPT");
    }

    [Test]
    public void SecondRecipient_Untraced_ReusesTheSameAnswer()
    {
        var session = Untraced(TestPolicy.Engine("Connect:192.0.2 RELAY"), "192.0.2.1");
        Rcpt(session, "<x@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
        session.RcptSync("<y@elsewhere.example>").Action.Should().Be(VerdictAction.Accept);
    }
}
