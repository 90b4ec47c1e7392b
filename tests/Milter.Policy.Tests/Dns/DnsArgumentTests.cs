using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Dns;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Dns;

/// <summary>The DNS types refuse a missing or out-of-range argument at once, naming it, instead of failing later.</summary>
public sealed class DnsArgumentTests
{
    private static readonly TimeProvider Time = new FakeTimeProvider();

    [Test]
    public void CachingResolver_RefusesMissingPartsAndNegativeBounds()
    {
        var dns = new FakeDnsResolver();
        FluentActions.Invoking(() => new CachingDnsResolver(null!, Time, 10, TimeSpan.FromMinutes(1))).Should().Throw<ArgumentNullException>().WithParameterName("inner");
        FluentActions.Invoking(() => new CachingDnsResolver(dns, null!, 10, TimeSpan.FromMinutes(1))).Should().Throw<ArgumentNullException>().WithParameterName("time");
        FluentActions.Invoking(() => new CachingDnsResolver(dns, Time, -1, TimeSpan.FromMinutes(1))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxEntries");
        FluentActions.Invoking(() => new CachingDnsResolver(dns, Time, 10, TimeSpan.FromSeconds(-1))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxTtl");
    }

    [Test]
    public void CachingResolver_RefusesAnEmptyName_WithoutAskingDns()
    {
        var dns = new FakeDnsResolver();
        var cache = new CachingDnsResolver(dns, Time, 10, TimeSpan.FromMinutes(1));
        FluentActions.Invoking(() => cache.QueryAsync(string.Empty, DnsRecordType.A, CancellationToken.None)).Should().Throw<ArgumentException>().WithParameterName("name");
        dns.Asked.Should().BeEmpty();
    }

    [Test]
    public void DnsblTypes_RefuseNull()
    {
        var list = new DnsblList(new DnsblOptions { Zone = "bl.example" });
        DnsblPattern.TryParse("127.0.0.2", out var pattern, out _).Should().BeTrue();
        FluentActions.Invoking(() => new DnsblList(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => list.Lists(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => DnsblList.Render(null!, new ClientFacts("192.0.2.1").Address)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => pattern!.Matches(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => DnsblCheck.Deciding(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => SenderDomainCheck.Reverse(null!)).Should().Throw<ArgumentNullException>();
    }

    [Test]
    public async Task SenderDomainCheck_RefusesNull_EvenForANameItWouldNotAsk()
    {
        await FluentActions.Awaiting(() => SenderDomainCheck.ResolveAsync(null!, "nodot", CancellationToken.None).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => SenderDomainCheck.ResolveAsync(new FakeDnsResolver(), null!, CancellationToken.None).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }
}
