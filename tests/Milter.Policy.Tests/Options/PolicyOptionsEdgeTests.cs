using Milter.Policy.Model;

namespace Milter.Policy.Tests.Options;

/// <summary>Policy settings at their edges: a reply text that is not a reply is named, odd host names, class m spelling, TEMPFAIL text.</summary>
public sealed class PolicyOptionsEdgeTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [TestCase(nameof(ReplyTexts.AccessDenied))]
    [TestCase(nameof(ReplyTexts.RecipientRejected))]
    [TestCase(nameof(ReplyTexts.RelayDenied))]
    [TestCase(nameof(ReplyTexts.RelayDeniedAuthRequired))]
    [TestCase(nameof(ReplyTexts.TemporaryFailure))]
    public void ReplyText_ThatIsNotAReply_IsNamed(string name)
    {
        var replies = new ReplyTexts();
        typeof(ReplyTexts).GetProperty(name)!.SetValue(replies, "hello");
        var trusted = name == nameof(ReplyTexts.RelayDenied) ? Array.Empty<string>() : ["PLAIN"];
        FluentActions.Invoking(() => TestPolicy.Engine("", new PolicyOptions { Replies = replies, TrustedAuthMechanisms = trusted }))
            .Should().Throw<ArgumentException>().WithMessage($"ReplyTexts.{name}: 'hello' is not \"NNN D.S.N text\" with a 4xx/5xx code");
    }

    [Test]
    public void RelayDeniedText_IsUsedWithoutTrustedMechanisms() =>
        TestPolicy.Engine("", new PolicyOptions { TrustedAuthMechanisms = [], Replies = new ReplyTexts { RelayDenied = "550 5.7.1 No relay here" } })
            .Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be("550 5.7.1 No relay here");

    [Test]
    public void TemporaryFailureText_IsWhatAnUnavailableLeaseStoreAnswers() =>
        TestPolicy.Engine("", new PolicyOptions { Replies = new ReplyTexts { TemporaryFailure = "451 4.3.0 Leases down" } },
                leases: new Leases.FixedLeaseStore(Leases.LeaseStatus.Unavailable))
            .Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be("451 4.3.0 Leases down");

    [Test]
    public void RecipientRejectedText_IsWhatBlocklistRecipientsAnswers() =>
        TestPolicy.Engine("To:gone@example.net REJECT", new PolicyOptions { BlocklistRecipients = true, Replies = new ReplyTexts { RecipientRejected = "550 5.1.1 Gone" } })
            .Rcpt("192.0.2.1", "<gone@example.net>").Reply!.Line.Should().Be("550 5.1.1 Gone");

    [Test]
    public void HostNameStartingWithADot_GivesNoClassM()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = ".corp.example", RelayEntireDomain = true });
        engine.Rcpt("192.0.2.1", "<x@a.corp.example>").Reply!.Line.Should().Be(Denied);
    }

    [Test]
    public void HostNameStartingWithADot_HasNoLocalhostDomain()
    {
        var session = TestPolicy.Engine("", new PolicyOptions { HostName = ".corp.example", AcceptUnresolvableDomains = true }).Session("192.0.2.1", "h.stranger.example");
        session.Connect();
        session.Mail("<a@localhost.corp.example>").IsRefusal.Should().BeFalse();
    }

    [Test]
    public void BlankHostName_IsNoHostName()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "  ", RelayEntireDomain = true });
        engine.Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be(Denied);
        engine.Rcpt("192.0.2.1", "<x@localhost>").Action.Should().Be(VerdictAction.Accept, "localhost is class w without a host name");
    }

    [Test]
    public void UpperCaseHostName_IsLocalInAnyCase() =>
        TestPolicy.Engine("", new PolicyOptions { HostName = "MX.Corp.Example" }).Rcpt("192.0.2.1", "<x@mx.corp.example>").Reason
            .Should().Be("recipient domain is in class w (local)");

    [Test]
    public void LocalDomains_AreTrimmedOfSpacesAndTrailingDot() =>
        TestPolicy.Engine("", new PolicyOptions { HostDomains = ["  corp.example.  "], RelayEntireDomain = true })
            .Rcpt("192.0.2.1", "<x@a.corp.example>").Reason.Should().Be("recipient domain in class m (relay_entire_domain)");

    [Test]
    public void OwnAddresses_AreClassWLiterals() =>
        TestPolicy.Engine("", new PolicyOptions { OwnAddresses = ["192.0.2.25"] }).Rcpt("198.51.100.1", "<x@[192.0.2.25]>").Reason
            .Should().Be("recipient domain is in class w (local)");
}
