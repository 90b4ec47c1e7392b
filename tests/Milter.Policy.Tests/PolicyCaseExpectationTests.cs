using Milter.Policy.Checking;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary><c>milter test</c> cases: what each expectation word accepts, and the setup lines the parser reads.</summary>
public sealed class PolicyCaseExpectationTests
{
    private const string Access =
        "Connect:192.0.2.10 DISCARD\n" +
        "Connect:192.0.2.11 QUARANTINE:held\n" +
        "Connect:192.0.2.12 ERROR:451 4.7.1 later\n";

    private static async Task<bool> Passes(string client, string steps)
    {
        var parsed = PolicyCaseParser.Parse("t", $"case c\nclient {client}\n{steps}");
        parsed.Errors.Should().BeEmpty();
        var engine = TestPolicy.Engine(Access, new PolicyOptions { AcceptUnresolvableDomains = true });
        return (await PolicyCaseRunner.RunAsync(engine, parsed.Cases)).AllPassed;
    }

    [TestCase("continue", true)]
    [TestCase("pass", true)]
    [TestCase("accept", false)]
    [TestCase("550", false)]
    public async Task PlainConnect(string expect, bool passes) =>
        (await Passes("192.0.2.1", $"expect {expect}\n")).Should().Be(passes);

    [TestCase("accept", true)]
    [TestCase("pass", true)]
    [TestCase("continue", false)]
    public async Task LocalRecipient(string expect, bool passes) =>
        (await Passes("192.0.2.1", $"mail <a@b.example>\nrcpt <x@example.net>\nexpect {expect}\n")).Should().Be(passes);

    [TestCase("discard", true)]
    [TestCase("DISCARD", true)]
    [TestCase("reject", false)]
    [TestCase("pass", false)]
    public async Task DiscardedClient(string expect, bool passes) =>
        (await Passes("192.0.2.10", $"mail <a@b.example>\nexpect {expect}\n")).Should().Be(passes);

    [TestCase("quarantine", true)]
    [TestCase("quarantine held", true)]
    [TestCase("quarantine other", false)]
    [TestCase("discard", false)]
    public async Task QuarantinedClient(string expect, bool passes) =>
        (await Passes("192.0.2.11", $"mail <a@b.example>\nexpect {expect}\n")).Should().Be(passes);

    [TestCase("tempfail", true)]
    [TestCase("451", true)]
    [TestCase("451 4.7.1", true)]
    [TestCase("451 4.7.1 later", true)]
    [TestCase("451 4.7.2", false)]
    [TestCase("451 4.7.1 sooner", false)]
    [TestCase("450", false)]
    [TestCase("reject", false)]
    public async Task TempFailedClient(string expect, bool passes) =>
        (await Passes("192.0.2.12", $"mail <a@b.example>\nexpect {expect}\n")).Should().Be(passes);

    [Test]
    public async Task Lease_Yes_IsUsedForTheCase()
    {
        (await Passes("192.0.2.1", "lease yes\nmail <a@b.example>\nrcpt <x@elsewhere.example>\nexpect accept\n")).Should().BeTrue();
        (await Passes("192.0.2.1", "lease no\nmail <a@b.example>\nrcpt <x@elsewhere.example>\nexpect 550\n")).Should().BeTrue();
    }

    [TestCase("250")]
    [TestCase("45")]
    [TestCase("4x1")]
    [TestCase("650")]
    public void Expect_CodeThatIsNoRefusal_IsAnError(string code) =>
        PolicyCaseParser.Parse("t", $"case c\nexpect {code}\n").Errors.Select(e => e.ToString())
            .Should().Contain($"t:2: expect: '{code}' is not continue|accept|pass|discard|quarantine [reason]|reject|tempfail|NNN [D.S.N [text]]");

    [TestCase("case\nexpect pass\n", "t:1: case needs a name")]
    [TestCase("case x\nauth\nexpect pass\n", "t:2: auth needs a mechanism")]
    public void Parser_MissingArgument_IsNamed(string text, string error) =>
        PolicyCaseParser.Parse("t", text).Errors.Select(e => e.ToString()).Should().Contain(error);

    [Test]
    public void Parser_IgnoresCommentsAndBlankLines_AndReadsTabsAndAnyCase()
    {
        var parsed = PolicyCaseParser.Parse("t", "# first\n\n  \nCASE\tone\nClient\t192.0.2.7\nAUTH\tPLAIN\nLease YES\nexpect pass\n");
        parsed.Errors.Should().BeEmpty();
        var c = parsed.Cases.Should().ContainSingle().Subject;
        (c.Name, c.Line, c.ClientAddress, c.ClientName, c.Auth, c.Lease).Should().Be(("one", 4, "192.0.2.7", (string?)null, new AuthFacts("PLAIN", null), (LeaseStatus?)LeaseStatus.Leased));
        c.Steps.Single().Line.Should().Be(5, "the connect step is where the client line is");
    }

    [Test]
    public void Parser_SeveralCases_EachKeepsItsSteps()
    {
        var parsed = PolicyCaseParser.Parse("t", "case a\nmail <a@b>\nexpect pass\ncase b\nrcpt <c@d>\nrcpt <e@f>\nexpect pass\n");
        parsed.Cases.Select(c => c.Steps.Count).Should().Equal(2, 3);
        parsed.Cases[1].Steps[^1].Argument.Should().Be("<e@f>");
    }
}
