using Milter.Policy.Model;

namespace Milter.Policy.Tests.Walks;

/// <summary>The edges of the lookup walks: literals that are not addresses, tag-only searches, Spam: order, exact walks.</summary>
public sealed class WalkBoundaryTests
{
    private static string? ConnectKey(string access, string address, string? name, PolicyOptions? options = null) =>
        TestPolicy.Engine(access, options).Session(address, name).Connect().DecidingKey();

    [Test]
    public void LiteralNameThatIsNotAnAddress_IsLookedUpWhole()
    {
        ConnectKey("Connect:[not-an-address] REJECT", "198.51.100.1", "[not-an-address]").Should().Be("connect:[not-an-address]");
        ConnectKey("[not-an-address] REJECT", "198.51.100.1", "[not-an-address]").Should().Be("[not-an-address]");
    }

    [Test]
    public void LiteralNameThatIsNotAnAddress_IsOneProbePair()
    {
        var steps = TestPolicy.Engine("").Session("198.51.100.1", "[bogus]").Connect().Trace!.Steps.Select(s => s.Key).ToList();
        steps.Take(2).Should().Equal("connect:[bogus]", "[bogus]");
        steps.Should().NotContain("connect:[bogus");
    }

    [Test]
    public void LiteralName_ProbesInOctetOrderWithBareForms()
    {
        var keys = TestPolicy.Engine("").Session("198.51.100.1", "[192.0.2.1]").Connect().Trace!.Steps.Select(s => s.Key).Take(8);
        keys.Should().Equal("connect:[192.0.2.1]", "[192.0.2.1]", "connect:[192.0.2]", "[192.0.2]", "connect:[192.0]", "[192.0]", "connect:[192]", "[192]");
    }

    [Test]
    public void LiteralName_IPv6Prefix_IsFoundBare() =>
        ConnectKey("[IPv6:2001:db8] REJECT", "198.51.100.1", "[IPv6:2001:db8::1]").Should().Be("[ipv6:2001:db8]");

    [Test]
    public void LiteralName_UppercaseEntryMatchesLowercaseKey() =>
        ConnectKey("Connect:[IPV6:2001:DB8:0:0:0:0:0:1] REJECT", "198.51.100.1", "[IPv6:2001:DB8::1]").Should().Be("connect:[ipv6:2001:db8:0:0:0:0:0:1]");

    [Test]
    public void ToRelayOnLiteralDomainWithHostsOnly_IsExact()
    {
        var engine = TestPolicy.Engine("To:[192.0.2] RELAY", new PolicyOptions { RelayHostsOnly = true });
        engine.Rcpt("198.51.100.1", "<x@[192.0.2.7]>").Action.Should().Be(VerdictAction.Reject);
        TestPolicy.Engine("To:[192.0.2] RELAY").Rcpt("198.51.100.1", "<x@[192.0.2.7]>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void ToRelayOnLiteralDomain_ExactMatch()
    {
        var engine = TestPolicy.Engine("To:[192.0.2.7] RELAY", new PolicyOptions { RelayHostsOnly = true });
        engine.Rcpt("198.51.100.1", "<x@[192.0.2.7]>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void SpamSearch_IsTagOnly_AndDomainBeforeUser()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { DelayChecks = DelayChecksMode.Friend });
        var keys = engine.Rcpt("192.0.2.1", "<u+d@example.net>").Trace!.Steps.Where(s => s.Key.StartsWith("spam:", StringComparison.Ordinal)).Select(s => s.Key);
        keys.Should().Equal("spam:u+d@example.net", "spam:u+*@example.net", "spam:u@example.net", "spam:example.net", "spam:net",
            "spam:u+d@", "spam:u+*@", "spam:u@");
    }

    [Test]
    public void SpamSearch_RemoteRecipient_HasNoUserForms()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { DelayChecks = DelayChecksMode.Friend }, relay: "far.example\n");
        var keys = engine.Rcpt("192.0.2.1", "<u@far.example>").Trace!.Steps.Where(s => s.Key.StartsWith("spam:", StringComparison.Ordinal)).Select(s => s.Key);
        keys.Should().Equal("spam:u@far.example", "spam:far.example", "spam:example");
    }

    [Test]
    public void SpamFriendOnDomain_BeatsHaterOnUser() =>
        TestPolicy.Engine("Spam:example.net FRIEND\nSpam:abuse@ HATER\nConnect:192.0.2.1 REJECT", new PolicyOptions { DelayChecks = DelayChecksMode.Friend })
            .Rcpt("192.0.2.1", "<abuse@example.net>").Action.Should().Be(VerdictAction.Accept);

    [Test]
    public void SpamBareEntry_IsNotASpamEntry() =>
        TestPolicy.Engine("example.net FRIEND\nConnect:192.0.2.1 REJECT", new PolicyOptions { DelayChecks = DelayChecksMode.Friend }, local: "other.example\n")
            .Rcpt("192.0.2.1", "<abuse@example.net>").Action.Should().Be(VerdictAction.Reject);

    [Test]
    public void UnqualifiedSender_IsLookedUpByUserFormOnly()
    {
        var session = TestPolicy.Engine("", new PolicyOptions { AcceptUnqualifiedSenders = true }).Session("192.0.2.1");
        session.Connect();
        session.Mail("<u+d>").Trace!.Steps.Where(s => s.Map == "access").Select(s => s.Key)
            .Should().Equal("from:u+d@", "u+d@", "from:u+*@", "u+*@", "from:u@", "u@");
    }

    [Test]
    public void UnqualifiedSender_UserEntryDecides()
    {
        var session = TestPolicy.Engine("From:u@ REJECT", new PolicyOptions { AcceptUnqualifiedSenders = true }).Session("192.0.2.1");
        session.Connect();
        session.Mail("<u+d>").DecidingKey().Should().Be("from:u@");
    }

    [Test]
    public void UserWithDetail_DetailFormBeatsStarForm()
    {
        var session = TestPolicy.Engine("From:u+d@ REJECT\nFrom:u+*@ OK", new PolicyOptions { AcceptUnqualifiedSenders = true }).Session("192.0.2.1");
        session.Connect();
        session.Mail("<u+d@x.example>").DecidingKey().Should().Be("from:u+d@");
    }

    [Test]
    public void OverlongRecipientDomain_FindsNoRelayEntryAndIsDenied()
    {
        var domain = string.Concat(Enumerable.Repeat("a.", 520)) + "partner.example";
        TestPolicy.Engine("To:partner.example RELAY").Rcpt("192.0.2.1", "<x@" + domain + ">").Action.Should().NotBe(VerdictAction.Accept);
    }

    [Test]
    public void OverlongClientName_FindsNoRelayEntry()
    {
        var name = string.Concat(Enumerable.Repeat("a.", 520)) + "partner.example";
        TestPolicy.Engine("Connect:partner.example RELAY").Rcpt("198.18.0.1", "<x@elsewhere.example>", name: name, resolve: ClientResolve.Ok)
            .Action.Should().NotBe(VerdictAction.Accept);
    }
}
