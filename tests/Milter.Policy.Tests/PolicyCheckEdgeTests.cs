using Milter.Policy.Checking;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>What <c>milter check</c> and the policy test cases print and refuse at their edges.</summary>
public sealed class PolicyCheckEdgeTests
{
    [Test]
    public async Task Check_RefusesMissingEngineOrInput()
    {
        await FluentActions.Awaiting(() => PolicyCheck.RunAsync(null!, new CheckInput()).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => PolicyCheck.RunAsync(TestPolicy.Engine(""), null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Test]
    public async Task Runner_RefusesMissingEngineOrCases()
    {
        await FluentActions.Awaiting(() => PolicyCaseRunner.RunAsync(null!, []).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => PolicyCaseRunner.RunAsync(TestPolicy.Engine(""), null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Test]
    public async Task CheckText_NotesOnlyADeferredConnectStage()
    {
        var refused = await PolicyCheck.RunAsync(TestPolicy.Engine("Connect:192.0.2.1\tREJECT\n"), new CheckInput { ClientAddress = "192.0.2.1" });
        refused.ToString().Should().Contain("  (Sendmail ignores connect-stage replies: delivered at HELO/MAIL/RCPT)\n");

        var open = await PolicyCheck.RunAsync(TestPolicy.Engine(""), new CheckInput { ClientAddress = "192.0.2.1", Helo = "client.example" });
        open.ToString().Should().NotContain("Sendmail ignores");
    }

    [Test]
    public async Task CheckResult_Recipients_AreTheRcptStagesOnly()
    {
        var result = await PolicyCheck.RunAsync(TestPolicy.Engine(""), new CheckInput
        {
            ClientAddress = "192.0.2.1",
            From = "<a@sender.example>",
            Recipients = ["<u@example.net>", "<v@example.net>"],
        });

        result.Recipients.Should().HaveCount(2).And.OnlyContain(v => v.Stage == PolicyStage.Rcpt);
    }

    [Test]
    public async Task Runner_Mismatch_CarriesTheTraceOfTheStage()
    {
        var parsed = PolicyCaseParser.Parse("t", "case wrong\nclient 192.0.2.1\nmail <a@b.example>\nrcpt <x@elsewhere.example>\nexpect accept\n");
        var report = await PolicyCaseRunner.RunAsync(TestPolicy.Engine(""), parsed.Cases);
        report.Mismatches.Should().ContainSingle().Which.Actual.Trace.Should().NotBeNull();
    }

    [Test]
    public void Parser_ClientNameAfterExtraBlanks_IsTrimmed()
    {
        var parsed = PolicyCaseParser.Parse("t", "case spaced\nclient 192.0.2.1 \t host.example\nexpect ok\n");
        parsed.Cases.Should().ContainSingle().Which.ClientName.Should().Be("host.example");
    }

    [Test]
    public void Parser_ConnectStepOfACaseWithoutClient_HasNoArgument_AndTheCaseNamesItsPlace()
    {
        var parsed = PolicyCaseParser.Parse("t", "case bare\nexpect ok\n");
        var policyCase = parsed.Cases.Should().ContainSingle().Subject;
        policyCase.Steps[0].Should().Match<PolicyCaseStep>(s => s.Stage == PolicyStage.Connect && s.Argument == string.Empty);
        policyCase.ToString().Should().Be("bare (t:1)");
    }

    [Test]
    public void Parser_Problems_AreErrors()
    {
        var parsed = PolicyCaseParser.Parse("t", "case x\nbogus 1\ncase y\nclient 192.0.2.1\n");
        parsed.Errors.Should().HaveCount(3).And.OnlyContain(e => e.IsError);
    }

    [TestCase("<u@mail.example.org>", "PolicyOptions.HostName")]
    [TestCase("<u@[192.0.2.25]>", "PolicyOptions.OwnAddresses")]
    public void LocalNamesFromOptions_NameTheirSource(string rcpt, string source)
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "mail.example.org", OwnAddresses = ["192.0.2.25"] });
        var verdict = engine.Rcpt("192.0.2.1", rcpt);
        verdict.IsRefusal.Should().BeFalse();
        verdict.Trace!.Steps.Select(s => s.Hit?.ToString() ?? string.Empty).Should().Contain(s => s.Contains(source, StringComparison.Ordinal));
    }

    [TestCase(new[] { "corp.example" }, "PolicyOptions.HostDomains class m corp.example")]
    [TestCase(new string[0], "PolicyOptions.HostName class m corp.example")]
    public void OwnDomainsFromOptions_NameTheirSource(string[] hostDomains, string hit)
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "mail.corp.example", HostDomains = hostDomains, RelayEntireDomain = true });
        var verdict = engine.Rcpt("192.0.2.1", "<x@remote.example>", name: "pc.corp.example", resolve: ClientResolve.Ok);
        verdict.IsRefusal.Should().BeFalse();
        verdict.Trace!.Steps.Select(s => s.Hit?.ToString() ?? string.Empty).Should().Contain(hit);
    }
}
