using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Options;

/// <summary>How each policy setting is read: host name ($j, $m), class m, trusted mechanisms, own addresses, bad values named.</summary>
public sealed class PolicyOptionsMeaningTests
{
    private const string Denied = "550 5.7.1 Relaying denied. Proper authentication required.";

    [Test]
    public void HostName_IsTrimmedOfSpacesAndTrailingDot()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "  mx.corp.example.  " });
        engine.Rcpt("192.0.2.1", "<x@mx.corp.example>").Reason.Should().Be("recipient domain is in class w (local)");
    }

    [Test]
    public void HostName_GivesClassMForRelayEntireDomain()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "mx.corp.example.", RelayEntireDomain = true });
        engine.Rcpt("192.0.2.1", "<x@sales.corp.example>").Reason.Should().Be("recipient domain in class m (relay_entire_domain)");
    }

    [Test]
    public void HostNameWithoutDot_GivesNoClassM() =>
        TestPolicy.Engine("", new PolicyOptions { HostName = "mx", RelayEntireDomain = true }).Rcpt("192.0.2.1", "<x@a.mx>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void ExplicitHostDomains_ReplaceTheHostNameDomain()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { HostName = "mx.corp.example", HostDomains = ["other.example."], RelayEntireDomain = true });
        engine.Rcpt("192.0.2.1", "<x@a.corp.example>").Reply!.Line.Should().Be(Denied);
        engine.Rcpt("192.0.2.1", "<x@a.other.example>").Action.Should().Be(VerdictAction.Accept);
    }

    [Test]
    public void LocalhostDotM_SenderNeedsARealDomain()
    {
        var session = TestPolicy.Engine("", new PolicyOptions { HostName = "mx.corp.example" }).Session("192.0.2.1", "h.stranger.example");
        session.Connect();
        session.Mail("<a@localhost.corp.example>").Reply!.Line.Should().Be("553 5.5.4 Real domain name required for sender address");
    }

    [Test]
    public void LocalhostDotOtherDomain_IsAnOrdinarySender()
    {
        var session = TestPolicy.Engine("", new PolicyOptions { HostName = "mx.corp.example", AcceptUnresolvableDomains = true }).Session("192.0.2.1", "h.stranger.example");
        session.Connect();
        session.Mail("<a@localhost.other.example>").IsRefusal.Should().BeFalse();
    }

    [Test]
    public void TrustedMechanisms_AreTrimmedAndBlankOnesIgnored()
    {
        var engine = TestPolicy.Engine("", new PolicyOptions { TrustedAuthMechanisms = [" external ", " "] });
        engine.Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("EXTERNAL", "alice")).Action.Should().Be(VerdictAction.Accept);
        engine.Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts("", "alice")).Reply!.Line.Should().Be(Denied);
    }

    [Test]
    public void OnlyBlankTrustedMechanisms_UseTheShortRelayText() =>
        TestPolicy.Engine("", new PolicyOptions { TrustedAuthMechanisms = ["", "  "] }).Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line
            .Should().Be("550 5.7.1 Relaying denied");

    [Test]
    public void NoAuthMechanism_IsNeverTrusted() =>
        TestPolicy.Engine("").Rcpt("192.0.2.1", "<x@elsewhere.example>", auth: new AuthFacts(null, "alice")).Reply!.Line.Should().Be(Denied);

    [Test]
    public void OwnAddress_NotAnAddress_IsNamed() =>
        FluentActions.Invoking(() => TestPolicy.Engine("", new PolicyOptions { OwnAddresses = ["mx.example"] }))
            .Should().Throw<ArgumentException>().WithMessage("OwnAddresses: 'mx.example' is not an IP address*");

    [Test]
    public void Dnsbl_BadZone_IsNamedWithItsIndex() =>
        FluentActions.Invoking(() => TestPolicy.Engine("", new PolicyOptions { Dnsbl = [new DnsblOptions { Zone = "bl.example" }, new DnsblOptions { Zone = "" }] }))
            .Should().Throw<ArgumentException>().WithMessage("Dnsbl:1: Zone: '' is not a domain name*");

    [Test]
    public void ReplyTexts_Null_UsesTheDefaults() =>
        TestPolicy.Engine("", new PolicyOptions { Replies = null! }).Rcpt("192.0.2.1", "<x@elsewhere.example>").Reply!.Line.Should().Be(Denied);

    [Test]
    public void Dnsbl_Null_MeansNoLists() =>
        TestPolicy.Engine("", new PolicyOptions { Dnsbl = null! }).Rcpt("192.0.2.1", "<x@example.net>").Action.Should().Be(VerdictAction.Accept);
}
