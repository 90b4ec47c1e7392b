using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests;

/// <summary>The sender domain check (check_mail) and the DNS lists (check_relay) in a session, against a fake resolver.</summary>
public sealed class PolicySessionDnsTests
{
    private readonly FakeDnsResolver _dns = new FakeDnsResolver()
        .Answer("sender.example", DnsRecordType.A, "192.0.2.10")
        .Fail("broken.example", DnsRecordType.A).Fail("broken.example", DnsRecordType.Aaaa).Fail("broken.example", DnsRecordType.Mx)
        .Answer("1.2.0.192.bl.example", DnsRecordType.A, "127.0.0.2")
        .Answer("2.2.0.192.bl.example", DnsRecordType.A, "127.0.0.4")
        .Fail("3.2.0.192.bl.example", DnsRecordType.A);

    private PolicyEngine Engine(string access = "", Action<PolicyOptions>? configure = null)
    {
        var options = new PolicyOptions { HostName = "mail.example.net" };
        configure?.Invoke(options);
        return new PolicyEngine(new RuleSetHolder(TestPolicy.Rules(access)), options, resolver: _dns);
    }

    private static Verdict Run(ValueTask<Verdict> pending) => pending.AsTask().GetAwaiter().GetResult();

    private static Verdict Mail(PolicyEngine engine, string sender, string client = "198.51.100.1")
    {
        var session = engine.OpenSession(new ClientFacts(client), trace: true);
        Run(session.ConnectAsync());
        return Run(session.MailAsync(sender));
    }

    [Test]
    public void UnresolvableSender_Is553_WithSendmailsText()
    {
        var verdict = Mail(Engine(), "<A@Nope.Example>");
        verdict.Outcome.Should().Be("553 5.1.8 Domain of sender address A@Nope.Example does not exist");
    }

    [Test]
    public void SenderWhoseDomainCannotBeResolvedNow_Is451()
    {
        Mail(Engine(), "<a@broken.example>").Outcome.Should().Be("451 4.1.8 Domain of sender address a@broken.example does not resolve");
    }

    [Test]
    public void ResolvableSender_GoesOn()
    {
        Mail(Engine(), "<a@sender.example>").Action.Should().Be(VerdictAction.Continue);
    }

    [TestCase("From:nope.example\tOK", VerdictAction.Accept)]
    [TestCase("From:a@nope.example\tRELAY", VerdictAction.Accept)]
    [TestCase("From:nope.example\tREJECT", VerdictAction.Reject)]
    public void FromEntry_ReplacesTheResolveResult(string access, VerdictAction action)
    {
        var verdict = Mail(Engine(access), "<a@nope.example>");
        verdict.Action.Should().Be(action);
        if (action == VerdictAction.Reject)
        {
            verdict.Outcome.Should().Be("550 5.7.1 Access denied");
        }
    }

    [Test]
    public void FromSkip_LeavesTheResolveResult()
    {
        Mail(Engine("From:nope.example\tSKIP"), "<a@nope.example>").Outcome.Should().StartWith("553 5.1.8 ");
    }

    [Test]
    public void AcceptUnresolvableDomains_AsksNothing()
    {
        Mail(Engine(configure: o => o.AcceptUnresolvableDomains = true), "<a@nope.example>").Action.Should().Be(VerdictAction.Continue);
        _dns.Asked.Should().BeEmpty();
    }

    [TestCase("<>")]
    [TestCase("<a@mail.example.net>")]
    [TestCase("<a@MAIL.example.net.>")]
    [TestCase("<a@localhost>")]
    public void NullSenderAndOwnNames_AreNotResolved(string sender)
    {
        Mail(Engine(), sender, client: "127.0.0.1").Outcome.Should().NotContain("Domain of sender address");
        _dns.Asked.Should().BeEmpty();
    }

    [Test]
    public void DelayChecks_TheSenderIsRefusedAtRcpt()
    {
        var engine = Engine(configure: o => o.DelayChecks = DelayChecksMode.On);
        var session = engine.OpenSession(new ClientFacts("198.51.100.1"));
        Run(session.ConnectAsync());
        Run(session.MailAsync("<a@nope.example>")).Action.Should().Be(VerdictAction.Continue);
        Run(session.RcptAsync("<u@example.net>")).Outcome.Should().Be("553 5.1.8 Domain of sender address a@nope.example does not exist");
    }

    [Test]
    public void UnqualifiedSender_WithControlCharacters_IsQuotedEscaped()
    {
        var verdict = Mail(Engine(), "<foo\rbar\n\0x>");
        verdict.Outcome.Should().Be("553 5.5.4 Domain name required for sender address foo\\rbar\\n\\0x");
        verdict.Reply!.TextLines.Should().ContainSingle().Which.Should().NotContainAny("\r", "\n", "\0");
    }

    [Test]
    public void ListedClient_IsRefusedWithSendmailsText_DeliveredAfterConnect()
    {
        var engine = Engine(configure: o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }]);
        var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
        var connect = Run(session.ConnectAsync());

        connect.IsDeferred.Should().BeTrue();
        session.Helo("x").Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
        Run(session.MailAsync("<a@sender.example>")).Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
    }

    [TestCase("Connect:192.0.2.1\tOK")]
    [TestCase("Connect:192.0.2\tRELAY")]
    public void ConnectOkOrRelay_SkipsTheLists_WithoutAsking(string access)
    {
        var engine = Engine(access, o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }]);
        Run(engine.OpenSession(new ClientFacts("192.0.2.1")).ConnectAsync()).IsRefusal.Should().BeFalse();
        _dns.Asked.Should().BeEmpty();
    }

    [Test]
    public void ListThatCannotBeAsked_Tempfails_OrIsSkippedWithoutT()
    {
        var strict = Engine(configure: o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }]);
        Run(strict.OpenSession(new ClientFacts("192.0.2.3")).ConnectAsync()).Outcome.Should().Be("451 4.4.3 Temporary lookup failure of 192.0.2.3 at bl.example");

        var lenient = Engine(configure: o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example", TemporaryFailure = false }]);
        Run(lenient.OpenSession(new ClientFacts("192.0.2.3")).ConnectAsync()).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void EnhDnsbl_ListsOnlyForTheGivenResults_AndTheFirstListDecides()
    {
        var engine = Engine(configure: o => o.Dnsbl =
        [
            new DnsblOptions { Zone = "bl.example", Match = ["127.0.0.2."] },
            new DnsblOptions { Zone = "bl.example", Reply = "554 5.7.1 second list", Match = ["127.0.0.$-."] },
        ]);
        Run(engine.OpenSession(new ClientFacts("192.0.2.1")).ConnectAsync()).Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
        Run(engine.OpenSession(new ClientFacts("192.0.2.2")).ConnectAsync()).Outcome.Should().Be("554 5.7.1 second list");
        Run(engine.OpenSession(new ClientFacts("192.0.2.9")).ConnectAsync()).IsRefusal.Should().BeFalse();
    }

    [TestCase(DnsblAction.Quarantine, VerdictAction.Quarantine)]
    [TestCase(DnsblAction.Discard, VerdictAction.Discard)]
    public void QuarantineOrDiscardList_AppliesToTheMessages(DnsblAction action, VerdictAction expected)
    {
        var engine = Engine(configure: o => o.Dnsbl = [new DnsblOptions { Zone = "bl.example", Action = action }]);
        var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
        Run(session.ConnectAsync());
        var mail = Run(session.MailAsync("<a@sender.example>"));
        mail.Action.Should().Be(expected);
        if (expected == VerdictAction.Quarantine)
        {
            mail.QuarantineReason.Should().Be("bl.example");
        }
    }

    [Test]
    public void DelayChecks_TheListsAreAskedAndRefuseAtRcpt_ButNotForTrustedAuth()
    {
        var engine = Engine(configure: o =>
        {
            o.DelayChecks = DelayChecksMode.On;
            o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }];
        });
        var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
        Run(session.ConnectAsync()).IsRefusal.Should().BeFalse();
        _dns.Asked.Should().BeEmpty("with delay_checks check_relay runs at RCPT");
        Run(session.MailAsync("<a@sender.example>"));
        Run(session.RcptAsync("<u@example.net>")).Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");

        var authenticated = engine.OpenSession(new ClientFacts("192.0.2.1"));
        Run(authenticated.ConnectAsync());
        Run(authenticated.MailAsync("<a@sender.example>", new AuthFacts("PLAIN", "alice")));
        Run(authenticated.RcptAsync("<u@example.net>")).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void WithoutResolver_NothingIsAsked_AndTheSessionGoesOn()
    {
        var engine = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("")), new PolicyOptions { Dnsbl = [new DnsblOptions { Zone = "bl.example" }] });
        var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
        Run(session.ConnectAsync()).IsRefusal.Should().BeFalse();
        Run(session.MailAsync("<a@nope.example>")).IsRefusal.Should().BeFalse();
    }
}
