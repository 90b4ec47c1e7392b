using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy.Tests.Session;

/// <summary>What an operator reads: a verdict's one-line form, its explanation and the trace lines under it.</summary>
public sealed class VerdictTextTests
{
    private const string Stranger = "192.0.2.1";

    [Test]
    public void ARuleDecision_NamesTheRuleLocation()
    {
        var verdict = TestPolicy.Engine("From:bad.example REJECT").Session(Stranger).Mail("<a@bad.example>");
        verdict.ToString().Should().Be("Mail: 550 5.7.1 Access denied (access:1)");
        verdict.Explain().Should().Be(
            "mail: 550 5.7.1 Access denied\n  decided by: access:1 from:bad.example REJECT (" + verdict.Reason + ")\n" + verdict.Trace);
    }

    [Test]
    public void ABuiltInDecision_NamesTheReason()
    {
        var verdict = TestPolicy.Engine("").OpenSession(new ClientFacts(Stranger)).Mail("<>");
        verdict.ToString().Should().Be("Mail: continue (null sender <> is always accepted (RFC 1123))");
        verdict.Explain().Should().Be("mail: continue\n  decided by: built-in (null sender <> is always accepted (RFC 1123))\n");
    }

    [Test]
    public void AQuarantine_NamesItsReason() =>
        new Verdict(PolicyStage.Mail, VerdictAction.Quarantine, null, "held for review", null, "r", 1, null).Outcome
            .Should().Be("quarantine: held for review");

    [Test]
    public void TheTrace_IsOneIndentedLinePerStep()
    {
        var trace = TestPolicy.Engine("From:bad.example REJECT").Session(Stranger).Mail("<a@bad.example>").Trace!;
        trace.Steps.Should().NotBeEmpty();
        trace.ToString().Should().Be(string.Concat(trace.Steps.Select(s => "  " + s + "\n")));
    }

    [Test]
    public void TraceSteps_ReadAsMapKeyAndOutcome()
    {
        new TraceStep("access", "From:x.example", null, null).ToString().Should().Be("access From:x.example -> miss");
        new TraceStep("check", "canonify", null, "localhost is h").ToString().Should().Be("check canonify -> localhost is h");
    }

    [Test]
    public void ClassMaps_AreNamedByTheirLetter()
    {
        TraceMaps.ForClass('m').Should().Be("class m");
        TraceMaps.ForClass('X').Should().Be("class X");
    }

    [Test]
    public void AClassMemberHit_ShowsMemberAndItsSource()
    {
        var verdict = TestPolicy.Engine("", new PolicyOptions { HostName = "mta.test.example", RelayEntireDomain = true })
            .Rcpt(Stranger, "<bob@sub.test.example>");
        verdict.Action.Should().Be(VerdictAction.Accept);
        verdict.Trace!.Steps.Select(s => s.ToString()).Should().Contain("class m test.example -> member (PolicyOptions.HostName)");
        verdict.DecidedBy!.Location.Should().Be("PolicyOptions.HostName");
    }

    [Test]
    public void AFileMemberHit_ShowsFileAndLine() =>
        TestPolicy.Engine("").Rcpt(Stranger, "<bob@example.net>").DecidedBy!.Location.Should().Be("local-host-names:1");
}
