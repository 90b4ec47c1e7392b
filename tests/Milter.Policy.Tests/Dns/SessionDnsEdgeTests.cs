using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Dns;

/// <summary>
/// The DNS checks of a session at their edges: which sender domains are never resolved, a sender checked without its
/// domain asked, the reasons and trace notes of the lists, local clients.
/// </summary>
public sealed class SessionDnsEdgeTests
{
    private readonly FakeDnsResolver _dns = new FakeDnsResolver()
        .Answer("sender.example", DnsRecordType.A, "192.0.2.10")
        .Answer("1.2.0.192.bl.example", DnsRecordType.A, "127.0.0.2")
        .Fail("3.2.0.192.bl.example", DnsRecordType.A);

    private PolicyEngine Engine(string access = "", Action<PolicyOptions>? configure = null)
    {
        var options = new PolicyOptions { HostName = "mail.example.net", HostDomains = ["corp.example"] };
        configure?.Invoke(options);
        return new PolicyEngine(new RuleSetHolder(TestPolicy.Rules(access)), options, resolver: _dns);
    }

    private static Verdict Run(ValueTask<Verdict> pending) => pending.AsTask().GetAwaiter().GetResult();

    private static PolicySession Connected(PolicyEngine engine, string client = "198.51.100.1")
    {
        var session = engine.OpenSession(new ClientFacts(client), trace: true);
        Run(session.ConnectAsync());
        return session;
    }

    private static PolicyOptions Listed(PolicyOptions o)
    {
        o.Dnsbl = [new DnsblOptions { Zone = "bl.example" }];
        return o;
    }

    [TestCase("<a@[127.0.0.1]>")]
    [TestCase("<a@[IPv6:::1]>")]
    [TestCase("<a@localhost.UUCP>")]
    [TestCase("<a@localhost.corp.example>")]
    [TestCase("<a@Mail.Example.Net>")]
    public void OwnAndLoopbackSenderDomains_AreNotResolved(string sender)
    {
        Run(Connected(Engine()).MailAsync(sender));
        _dns.Asked.Should().BeEmpty();
    }

    [TestCase("<a@[192.0.2.1]>")]
    [TestCase("<a@localhost.other.example>")]
    public void OtherSenderDomains_AreResolved(string sender)
    {
        Run(Connected(Engine()).MailAsync(sender));
        _dns.Asked.Should().NotBeEmpty();
    }

    [Test]
    public void SenderDomainNotAsked_IsNotedAndNotRefused()
    {
        var session = Connected(Engine());
        Run(session.MailAsync("<a@sender.example>")).IsRefusal.Should().BeFalse();
        var verdict = session.Mail("<a@nope.example>");
        verdict.IsRefusal.Should().BeFalse("the synchronous call asks no DNS");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "resolve" && s.Result == "sender domain not resolved");
    }

    [Test]
    public void SenderDomainAnswer_IsTraced()
    {
        var verdict = Run(Connected(Engine()).MailAsync("<a@sender.example>"));
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "resolve sender.example" && s.Result == "Resolves");
        verdict.Reason.Should().Be("no From: entry");
    }

    [Test]
    public void UnresolvableSender_NamesThePermanentFailure() =>
        Run(Connected(Engine()).MailAsync("<a@nope.example>")).Reason.Should().Be("sender domain does not resolve (PERM)");

    [Test]
    public void ListedClient_ReasonNamesTheListAndAnswer_AndTheTraceEachList()
    {
        var verdict = Run(Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("192.0.2.1"), trace: true).ConnectAsync());
        verdict.Reason.Should().Be("client listed at bl.example (127.0.0.2)");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "dnsbl bl.example" && s.Result == "Listed: 127.0.0.2");
    }

    [Test]
    public void UnlistedClient_IsTracedWithoutAnAnswer()
    {
        var verdict = Run(Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("192.0.2.9"), trace: true).ConnectAsync());
        verdict.IsRefusal.Should().BeFalse();
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "dnsbl bl.example" && s.Result == "NotListed: NXDOMAIN");
    }

    [Test]
    public void ListThatCannotBeAsked_ReasonNamesTheList() =>
        Run(Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("192.0.2.3")).ConnectAsync()).Reason
            .Should().Be("DNS list bl.example could not be asked");

    [Test]
    public void ListsNotAsked_AreNotedAndDecideNothing()
    {
        var session = Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("192.0.2.1"), trace: true);
        var verdict = session.Connect();
        verdict.IsRefusal.Should().BeFalse("the synchronous call asks no DNS");
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "dnsbl" && s.Result == "not asked");
    }

    [Test]
    public void LocalClientWithoutAddress_IsNotLookedUp()
    {
        var session = Engine(configure: o => Listed(o)).OpenSession(new ClientFacts(""), trace: true);
        Run(session.ConnectAsync()).IsRefusal.Should().BeFalse();
        _dns.Asked.Should().BeEmpty();
    }

    [Test]
    public void DelayChecks_TrustedAuth_AsksNoList()
    {
        var engine = Engine(configure: o =>
        {
            o.DelayChecks = DelayChecksMode.On;
            Listed(o);
        });
        var session = Connected(engine, "192.0.2.1");
        Run(session.MailAsync("<a@sender.example>", new AuthFacts("PLAIN", "alice")));

        Run(session.RcptAsync("<u@example.net>")).IsRefusal.Should().BeFalse();
        _dns.Asked.Should().NotContain(q => q.Name.EndsWith(".bl.example", StringComparison.Ordinal));
    }

    [Test]
    public void WithoutDelayChecks_TheListsAreNotAskedAtRcpt()
    {
        var session = Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("192.0.2.1"));
        session.Connect();
        Run(session.MailAsync("<a@sender.example>"));

        Run(session.RcptAsync("<u@example.net>")).IsRefusal.Should().BeFalse("check_relay ran at connect, without DNS");
        _dns.Asked.Should().NotContain(q => q.Name.EndsWith(".bl.example", StringComparison.Ordinal));
    }

    [Test]
    public void NoLists_NothingIsNotedAboutThem()
    {
        var verdict = Run(Engine().OpenSession(new ClientFacts("192.0.2.1"), trace: true).ConnectAsync());
        verdict.Trace!.Steps.Should().NotContain(s => s.Key.StartsWith("dnsbl", StringComparison.Ordinal));
    }

    [Test]
    public void ClientWithoutAddress_NothingIsNotedAboutTheLists()
    {
        var verdict = Run(Engine(configure: o => Listed(o)).OpenSession(new ClientFacts(""), trace: true).ConnectAsync());
        verdict.Trace!.Steps.Should().NotContain(s => s.Key.StartsWith("dnsbl", StringComparison.Ordinal));
    }

    [Test]
    public void ListNotAskedForAnIPv6Client_IsTracedWithoutAnAnswer()
    {
        var verdict = Run(Engine(configure: o => Listed(o)).OpenSession(new ClientFacts("2001:db8::1"), trace: true).ConnectAsync());
        verdict.IsRefusal.Should().BeFalse();
        verdict.Trace!.Steps.Should().Contain(s => s.Key == "dnsbl bl.example" && s.Result == "NotAsked");
    }

    [TestCase("<a@localhost>")]
    [TestCase("<a@[127.0.0.1]>")]
    public void SenderDomainNeverResolved_IsNotTraced(string sender)
    {
        var verdict = Run(Connected(Engine()).MailAsync(sender));
        verdict.Trace!.Steps.Should().NotContain(s => s.Key.StartsWith("resolve", StringComparison.Ordinal));
    }

    [Test]
    public void LocalhostUnderASubdomainOfTheOwnDomain_IsResolved()
    {
        Run(Connected(Engine()).MailAsync("<a@localhost.sub.corp.example>"));
        _dns.Asked.Should().Contain(("localhost.sub.corp.example", DnsRecordType.A));
    }

    [Test]
    public void SenderDomainThatCannotBeResolvedNow_NamesTheTemporaryFailure()
    {
        _dns.Fail("broken.example", DnsRecordType.A).Fail("broken.example", DnsRecordType.Aaaa).Fail("broken.example", DnsRecordType.Mx);
        Run(Connected(Engine()).MailAsync("<a@broken.example>")).Reason.Should().Be("sender domain lookup failed (TEMP)");
    }

    [Test]
    public void QuotedSender_IsShownWithoutQuotes() =>
        Run(Connected(Engine()).MailAsync("<\"a.b\"@nope.example>")).Outcome.Should().Be("553 5.1.8 Domain of sender address a.b@nope.example does not exist");
}
