using Milter.Policy.Access;
using Milter.Policy.Checking;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

public sealed class PolicyCaseTests
{
    private static PolicyEngine ExampleEngine()
    {
        var rules = new RuleSetLoader().LoadEmbeddedExamples().RuleSet!;
        return new PolicyEngine(new RuleSetHolder(rules), new PolicyOptions(), new InMemoryLeaseStore());
    }

    private static string ExampleCases()
    {
        var file = RuleSetLoader.ReadResource(RuleSetLoader.ExampleTests, "policy-tests");
        return System.Text.Encoding.UTF8.GetString(file.Content);
    }

    [Test]
    public async Task ExampleCases_PassAgainstExampleRules()
    {
        var parsed = PolicyCaseParser.Parse("policy-tests", ExampleCases());
        parsed.Errors.Should().BeEmpty();
        parsed.Cases.Should().HaveCountGreaterThan(20);
        var report = await PolicyCaseRunner.RunAsync(ExampleEngine(), parsed.Cases);
        report.Mismatches.Should().BeEmpty(report.ToString());
        report.ToString().Should().EndWith($"policy cases: {parsed.Cases.Count} passed, 0 failed\n");
    }

    [Test]
    public async Task Runner_Mismatch_NamesCaseLineExpectedAndActual()
    {
        var parsed = PolicyCaseParser.Parse("t", "case wrong expectation\nclient 192.0.2.200\nmail <a@b.example>\nrcpt <x@elsewhere.example>\nexpect accept\n");
        var report = await PolicyCaseRunner.RunAsync(ExampleEngine(), parsed.Cases);
        report.Failed.Should().Be(1);
        report.ToString().Should().Contain("MISMATCH t:4: case 'wrong expectation': rcpt <x@elsewhere.example>: expected accept, got 550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [TestCase("expect 550 5.7.1 Relaying denied. Proper authentication required.", true)]
    [TestCase("expect 550 5.7.1", true)]
    [TestCase("expect 550", true)]
    [TestCase("expect reject", true)]
    [TestCase("expect 550 5.7.2", false)]
    [TestCase("expect 550 5.7.1 Relaying denied", false)]
    [TestCase("expect tempfail", false)]
    [TestCase("expect pass", false)]
    public async Task Expectation_ComparesGivenParts(string expect, bool passes)
    {
        var parsed = PolicyCaseParser.Parse("t", $"case c\nclient 192.0.2.200\nmail <a@b.example>\nrcpt <x@elsewhere.example>\n{expect}\n");
        parsed.Errors.Should().BeEmpty();
        (await PolicyCaseRunner.RunAsync(ExampleEngine(), parsed.Cases)).AllPassed.Should().Be(passes);
    }

    [TestCase("client 192.0.2.1\n", "t:1: 'client' before the first 'case'")]
    [TestCase("case x\nclient nohost\nexpect pass\n", "t:2: client: 'nohost' does not start with an IP address")]
    [TestCase("case x\nclient 10.1.2\nexpect pass\n", "t:2: client: '10.1.2' does not start with an IP address")]
    [TestCase("case x\nresolve MAYBE\nexpect pass\n", "t:2: resolve: 'MAYBE' is not OK, FAIL, FORGED or TEMP")]
    [TestCase("case x\nlease sometimes\nexpect pass\n", "t:2: lease: 'sometimes' is not yes, no or down")]
    [TestCase("case x\nexpect maybe\n", "t:2: expect: 'maybe' is not continue|accept|pass|discard|quarantine [reason]|reject|tempfail|NNN [D.S.N [text]]")]
    [TestCase("case x\nexpect pass\nexpect pass\n", "t:3: second expect for the connect line 1")]
    [TestCase("case x\nfrobnicate 1\nexpect pass\n", "t:2: unknown keyword 'frobnicate' (case, client, resolve, lease, auth, helo, mail, rcpt, expect)")]
    [TestCase("case x\nclient 192.0.2.1\n", "t:1: case 'x' has no expect line")]
    public void Parser_BadInput_ReportsFileLineReason(string text, string error) =>
        PolicyCaseParser.Parse("t", text).Errors.Select(e => e.ToString()).Should().Contain(error);

    [Test]
    public void Parser_ReadsSetupAndSteps()
    {
        var parsed = PolicyCaseParser.Parse("t", "# c\ncase full\nclient 2001:db8::1 [IPv6:2001:db8::1]\nresolve fail\nlease down\nauth PLAIN bob\nhelo h\nmail <a@b>\nrcpt <c@d>\nexpect tempfail\n");
        var c = parsed.Cases.Should().ContainSingle().Subject;
        (c.ClientAddress, c.ClientName, c.Resolve, c.Lease, c.Auth).Should().Be(
            ("2001:db8::1", "[IPv6:2001:db8::1]", ClientResolve.Fail, LeaseStatus.Unavailable, new AuthFacts("PLAIN", "bob")));
        c.Steps.Select(s => s.Stage).Should().Equal(PolicyStage.Connect, PolicyStage.Helo, PolicyStage.Mail, PolicyStage.Rcpt);
        c.Steps[^1].Expectation!.Text.Should().Be("tempfail");
    }

    [Test]
    public async Task Check_ReturnsEveryStageWithTraces()
    {
        var result = await PolicyCheck.RunAsync(ExampleEngine(), new CheckInput
        {
            ClientAddress = "192.0.2.200",
            ClientName = "mx.stranger.example",
            Resolve = ClientResolve.Ok,
            Helo = "mx.stranger.example",
            From = "<a@stranger.example>",
            Recipients = ["<postmaster@example.net>", "<x@elsewhere.example>"],
        });
        result.Stages.Select(s => s.Stage).Should().Equal(PolicyStage.Connect, PolicyStage.Helo, PolicyStage.Mail, PolicyStage.Rcpt, PolicyStage.Rcpt);
        result.Stages.Should().OnlyContain(s => s.Trace != null);
        result.Final.Reply!.Line.Should().Be("550 5.7.1 Relaying denied. Proper authentication required.");
        var text = result.ToString();
        text.Should().Contain("rcpt: accept").And.Contain("access connect:mx.stranger.example -> miss").And.EndWith("result: 550 5.7.1 Relaying denied. Proper authentication required.\n");
    }

    [Test]
    public async Task Check_RejectedClient_ShowsDeferredDelivery()
    {
        var result = await PolicyCheck.RunAsync(ExampleEngine(), new CheckInput { ClientAddress = "192.0.2.66", Helo = "x", From = "<a@b.example>", Recipients = ["<y@example.net>"] });
        result.Connect.IsDeferred.Should().BeTrue();
        result.Final.Stage.Should().Be(PolicyStage.Helo);
        result.Stages.Should().HaveCount(3, "MAIL is refused, so no RCPT is tried");
        result.ToString().Should().Contain("decided by: access:11 connect:192.0.2.66 REJECT");
    }

    [Test]
    public async Task Check_LeaseOverride_IsUsed()
    {
        var result = await PolicyCheck.RunAsync(ExampleEngine(), new CheckInput { ClientAddress = "192.0.2.200", From = "<a@b.example>", Recipients = ["<y@elsewhere.example>"], Lease = LeaseStatus.Leased });
        result.Final.Action.Should().Be(VerdictAction.Accept);
    }
}
