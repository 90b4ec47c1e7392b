using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy.Tests.Session;

/// <summary>
/// CanonAddr as the access lookups see it: UUCP bang paths, the percent hack, <c>user@</c>, the localhost forms and the
/// nesting bound, each shown by what is looked up and by the trace note that names the rewrite.
/// </summary>
public sealed class CanonicalAddressTests
{
    private const string HostName = "mta.test.example";
    private const string Stranger = "192.0.2.1";

    private static PolicyOptions Options(bool blocklist = false) => new() { HostName = HostName, BlocklistRecipients = blocklist };

    private static IEnumerable<string> Rewrites(Verdict verdict) =>
        verdict.Trace!.Steps.Where(s => s.Map == TraceMaps.Check && s.Key == "canonify").Select(s => s.Result!);

    [Test]
    public void UserAtWithoutDomain_IsAnUnqualifiedLocalUser()
    {
        var verdict = TestPolicy.Engine("", Options()).Rcpt(Stranger, "<bob@>");
        verdict.Action.Should().Be(VerdictAction.Accept);
        verdict.Reason.Should().Be("unqualified recipient is a local user");
        Rewrites(verdict).Should().Equal("parsed again as bob");
    }

    [TestCase("<!bob>")]
    [TestCase("<uuhost!>")]
    [TestCase("<%bob>")]
    [TestCase("<bob%>")]
    public void ABangOrPercentAtEitherEnd_IsNoRoute_ButAnUnqualifiedLocalUser(string rcpt)
    {
        var verdict = TestPolicy.Engine("", Options()).Rcpt(Stranger, rcpt);
        verdict.Reason.Should().Be("unqualified recipient is a local user");
        Rewrites(verdict).Should().BeEmpty();
    }

    [TestCase("<uuhost!bob>", "bob@uuhost.UUCP")]
    [TestCase("<relay.example!bob>", "bob@relay.example")]
    [TestCase("<relay.example!a!bob>", "a!bob@relay.example")]
    [TestCase("<bob%relay.example>", "bob@relay.example")]
    public void ABangPathOrPercentHack_IsLookedUpAsUserAtHost(string rcpt, string canonical)
    {
        var engine = TestPolicy.Engine($"To:{canonical} ERROR:\"550 5.7.1 found {canonical}\"", Options(blocklist: true));
        var verdict = engine.Rcpt(Stranger, rcpt);
        verdict.Reply!.Line.Should().Be($"550 5.7.1 found {canonical}");
        Rewrites(verdict).First().Should().Be("parsed again as " + canonical);
    }

    [Test]
    public void ARewrite_IsATraceNoteNamingTheNewAddress()
    {
        var verdict = TestPolicy.Engine("", Options()).Rcpt(Stranger, "<uuhost!bob>");
        verdict.Trace!.Steps.Select(s => s.ToString()).Should().Contain("check canonify -> parsed again as bob@uuhost.UUCP");
    }

    [Test]
    public void Localhost_IsATraceNoteNamingTheHostName()
    {
        var verdict = TestPolicy.Engine("", Options()).Rcpt(Stranger, "<bob@localhost>");
        Rewrites(verdict).Should().Equal("localhost is " + HostName);
    }

    [Test]
    public void NestedAddresses_AreParsedAgainAtMostEightTimes()
    {
        var sender = "<u" + string.Concat(Enumerable.Repeat("@example.net", 12)) + ">";
        var verdict = TestPolicy.Engine("", Options()).Session(Stranger).Mail(sender);
        Rewrites(verdict).Should().HaveCount(8);
        Rewrites(verdict).Last().Should().Be("parsed again as u" + string.Concat(Enumerable.Repeat("@example.net", 4)));
    }

    [Test]
    public void APercentHackToLocalhostDotUucp_IsParsedAgainAsTheInnerAddress() =>
        TestPolicy.Engine("From:a@b.example ERROR:\"550 5.7.1 inner\"", Options()).Session("127.0.0.1", "localhost")
            .Mail("<a%b.example@localhost.UUCP>").Reply!.Line.Should().Be("550 5.7.1 inner");

    [Test]
    public void ALocalPartStartingWithAt_InALocalDomain_IsParsedAgain() =>
        TestPolicy.Engine("From:b.example ERROR:\"550 5.7.1 inner\"", Options()).Session(Stranger)
            .Mail("<@b.example@example.net>").Reply!.Line.Should().Be("550 5.7.1 inner");

    [TestCase("<root@mx.exampleUUCP>")]
    [TestCase("<root@mx.exampletest.example>")]
    [TestCase("<root@localhost.>")]
    public void ADomainThatIsNotLocalhostDotSomething_NeedsNoLocalClient(string sender) =>
        TestPolicy.Engine("", Options()).Session(Stranger, "h.stranger.example").Mail(sender).Action.Should().Be(VerdictAction.Continue);

    [Test]
    public void DelayChecksFriend_LooksUpAQualifiedRecipientAsWritten()
    {
        var engine = TestPolicy.Engine("Spam:x.example FRIEND\nConnect:192.0.2.1 REJECT",
            new PolicyOptions { HostName = HostName, DelayChecks = DelayChecksMode.Friend }, relay: "x.example\n");
        engine.Rcpt(Stranger, "<bob@x.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void DelayChecksFriend_LooksUpAnUnqualifiedRecipientAtTheHostName()
    {
        var engine = TestPolicy.Engine("Spam:bob@mta.test.example FRIEND\nConnect:192.0.2.1 REJECT",
            new PolicyOptions { HostName = HostName, DelayChecks = DelayChecksMode.Friend });
        engine.Rcpt(Stranger, "<bob>").Action.Should().Be(VerdictAction.Accept);
        engine.Rcpt(Stranger, "<eve>").Action.Should().Be(VerdictAction.Reject);
    }
}
