using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Host.Dns;
using Milter.Policy.Dns;
using Milter.Policy.Model;
using NUnit.Framework;

namespace Milter.Host.Tests.Dns;

/// <summary>The host's resolver and the policy's DNS checks against a real DNS server (a private NSD on loopback).</summary>
[TestFixture]
[Category("Dns")]
[FixtureLifeCycle(LifeCycle.SingleInstance)]
public sealed class DnsClientResolverTests
{
    private TestDnsServer? _nsd;

    private DnsClientResolver Resolver => new([IPEndPoint.Parse(_nsd!.Server)], TimeSpan.FromSeconds(2), 1);

    [OneTimeSetUp]
    public async Task StartNsd() => _nsd = await TestDnsServer.StartAsync();

    [OneTimeTearDown]
    public void StopNsd() => _nsd?.Dispose();

    [Test]
    public async Task Answer_HasTheRecordsAndTheirTtl()
    {
        DnsAnswer answer = await Resolver.QueryAsync("sender.example", DnsRecordType.A, default);
        answer.Status.Should().Be(DnsStatus.Answer);
        answer.Records.Should().Equal("192.0.2.10");
        answer.Ttl.Should().Be(TimeSpan.FromSeconds(300));
    }

    [Test]
    public async Task NxDomainAndNoData_CarryTheSoaNegativeTtl()
    {
        DnsAnswer missing = await Resolver.QueryAsync("nope.example", DnsRecordType.A, default);
        missing.Status.Should().Be(DnsStatus.NameError);
        missing.Ttl.Should().Be(TimeSpan.FromSeconds(TestDnsServer.NegativeTtlSeconds), "min(SOA TTL 300, MINIMUM 60)");

        DnsAnswer empty = await Resolver.QueryAsync("txtonly.example", DnsRecordType.A, default);
        empty.Status.Should().Be(DnsStatus.NoData);
        empty.Ttl.Should().Be(TimeSpan.FromSeconds(TestDnsServer.NegativeTtlSeconds));
    }

    [Test]
    public async Task ServfailAndRefused_AreTemporaryFailures()
    {
        (await Resolver.QueryAsync("x.broken.example", DnsRecordType.A, default)).Status.Should().Be(DnsStatus.TemporaryFailure);
        (await Resolver.QueryAsync("outside.test", DnsRecordType.A, default)).Status.Should().Be(DnsStatus.TemporaryFailure, "NSD refuses names outside its zones");
    }

    [Test]
    public async Task Cname_IsFollowed()
    {
        DnsAnswer answer = await Resolver.QueryAsync("alias.example", DnsRecordType.A, default);
        answer.Records.Should().Equal("192.0.2.10");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SilentServer_IsATemporaryFailure_WithinTheDeadline()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never answers
        var resolver = new DnsClientResolver([(IPEndPoint)silent.Client.LocalEndPoint!], TimeSpan.FromMilliseconds(300), 1);
        var clock = Stopwatch.StartNew();
        DnsAnswer answer = await resolver.QueryAsync("sender.example", DnsRecordType.A, default);
        answer.Status.Should().Be(DnsStatus.TemporaryFailure);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "bounded by timeout × tries (0.6 s), generously for a loaded machine");
    }

    [TestCase("sender.example", DomainResolution.Resolves)]
    [TestCase("mxonly.example", DomainResolution.Resolves)]
    [TestCase("v6only.example", DomainResolution.Resolves)]
    [TestCase("alias.example", DomainResolution.Resolves)]
    [TestCase("txtonly.example", DomainResolution.DoesNotExist)]
    [TestCase("nope.example", DomainResolution.DoesNotExist)]
    [TestCase("x.broken.example", DomainResolution.DoesNotResolve)]
    public async Task SenderDomains_AsSendmailsResolveMapSeesThem(string domain, DomainResolution expected)
    {
        (await SenderDomainCheck.ResolveAsync(Resolver, domain, default)).Should().Be(expected);
    }

    [Test]
    public async Task DnsLists_ListedNotListedAndBroken()
    {
        DnsblList[] lists =
        [
            new(new DnsblOptions { Zone = TestDnsServer.BrokenListZone, TemporaryFailure = false }),
            new(new DnsblOptions { Zone = TestDnsServer.ListZone, Match = ["127.0.0.2."] }),
            new(new DnsblOptions { Zone = TestDnsServer.ListZone }),
        ];
        DnsblResult[] listed = await DnsblCheck.QueryAsync(Resolver, lists, new ClientFacts("127.0.0.12").Address, default);
        listed.Select(r => r.Outcome).Should().Equal(DnsblOutcome.TemporaryFailure, DnsblOutcome.NotListed, DnsblOutcome.Listed);
        DnsblCheck.Deciding(listed)!.Value.List.Should().BeSameAs(lists[2], "the broken list is skipped without t; enhdnsbl wants 127.0.0.2");

        DnsblResult[] clean = await DnsblCheck.QueryAsync(Resolver, lists, new ClientFacts("127.0.0.99").Address, default);
        DnsblCheck.Deciding(clean).Should().BeNull();
    }

    [Test]
    public async Task Cache_InFrontOfTheServer_AnswersRepeatsItself()
    {
        var counting = new Counting(Resolver);
        var cache = new CachingDnsResolver(counting, TimeProvider.System, 100, TimeSpan.FromHours(1));
        for (int i = 0; i < 3; i++)
        {
            (await cache.QueryAsync("nope.example", DnsRecordType.A, default)).Status.Should().Be(DnsStatus.NameError);
            (await cache.QueryAsync("sender.example", DnsRecordType.A, default)).Status.Should().Be(DnsStatus.Answer);
        }

        counting.Count.Should().Be(2);
    }

    private sealed class Counting(IDnsResolver inner) : IDnsResolver
    {
        public int Count;

        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return inner.QueryAsync(name, type, cancellationToken);
        }
    }
}
