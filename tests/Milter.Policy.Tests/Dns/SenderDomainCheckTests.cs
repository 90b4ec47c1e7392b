using System.Net;
using Milter.Policy.Dns;

namespace Milter.Policy.Tests.Dns;

public sealed class SenderDomainCheckTests
{
    private readonly FakeDnsResolver _dns = new();

    private DomainResolution Resolve(string domain) =>
        SenderDomainCheck.ResolveAsync(_dns, domain, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Test]
    public void ARecord_Resolves_WithOneQuestion()
    {
        _dns.Answer("sender.example", DnsRecordType.A, "192.0.2.1");
        Resolve("sender.example.").Should().Be(DomainResolution.Resolves);
        _dns.Asked.Should().Equal(("sender.example", DnsRecordType.A));
    }

    [Test]
    public void NxDomain_DoesNotExist_WithoutAskingMore()
    {
        Resolve("nope.example").Should().Be(DomainResolution.DoesNotExist);
        _dns.Asked.Should().HaveCount(1, "NXDOMAIN is Sendmail's definite no");
    }

    [TestCase(DnsRecordType.Mx)]
    [TestCase(DnsRecordType.Aaaa)]
    public void NoAddress_ButMxOrAaaa_Resolves(DnsRecordType type)
    {
        _dns.NoData("only.example", DnsRecordType.A).NoData("only.example", DnsRecordType.Mx).NoData("only.example", DnsRecordType.Aaaa);
        _dns.Answer("only.example", type, "x");
        Resolve("only.example").Should().Be(DomainResolution.Resolves);
    }

    [Test]
    public void NameWithoutAddressOrMx_DoesNotExist()
    {
        _dns.NoData("txt.example", DnsRecordType.A).NoData("txt.example", DnsRecordType.Aaaa).NoData("txt.example", DnsRecordType.Mx);
        Resolve("txt.example").Should().Be(DomainResolution.DoesNotExist);
    }

    [Test]
    public void FailedA_ButAnMx_Resolves_AsSendmailGoesOnToMx()
    {
        _dns.Fail("half.example", DnsRecordType.A).Answer("half.example", DnsRecordType.Mx, "mx.half.example").NoData("half.example", DnsRecordType.Aaaa);
        Resolve("half.example").Should().Be(DomainResolution.Resolves);
    }

    [Test]
    public void FailedA_AndNothingElse_DoesNotResolve_FailClosed()
    {
        _dns.Fail("down.example", DnsRecordType.A).NoData("down.example", DnsRecordType.Aaaa).NoData("down.example", DnsRecordType.Mx);
        Resolve("down.example").Should().Be(DomainResolution.DoesNotResolve);
    }

    [Test]
    public void FailedMx_AfterNoData_DoesNotResolve()
    {
        _dns.NoData("flaky.example", DnsRecordType.A).NoData("flaky.example", DnsRecordType.Aaaa).Fail("flaky.example", DnsRecordType.Mx);
        Resolve("flaky.example").Should().Be(DomainResolution.DoesNotResolve);
    }

    [TestCase("nodot")]
    [TestCase("bad domain.example")]
    [TestCase("a..example")]
    [TestCase("")]
    public void NotAHostName_DoesNotExist_WithoutAskingDns(string domain)
    {
        Resolve(domain).Should().Be(DomainResolution.DoesNotExist);
        _dns.Asked.Should().BeEmpty();
    }

    [Test]
    public void AddressLiteral_ResolvesByItsPtr()
    {
        _dns.Answer("1.2.0.192.in-addr.arpa", DnsRecordType.Ptr, "host.example.");
        Resolve("[192.0.2.1]").Should().Be(DomainResolution.Resolves);
        Resolve("[192.0.2.2]").Should().Be(DomainResolution.DoesNotExist);
        _dns.Fail("3.2.0.192.in-addr.arpa", DnsRecordType.Ptr);
        Resolve("[192.0.2.3]").Should().Be(DomainResolution.DoesNotResolve);
        Resolve("[127.0.0.1]").Should().Be(DomainResolution.Resolves, "loopback is localhost without DNS");
    }

    [Test]
    public void Reverse_IPv4AndIPv6()
    {
        SenderDomainCheck.Reverse(IPAddress.Parse("192.0.2.1")).Should().Be("1.2.0.192");
        SenderDomainCheck.Reverse(IPAddress.Parse("2001:db8::1")).Should().Be("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
        SenderDomainCheck.ReverseName("[IPv6:2001:db8:0:0:0:0:0:1]").Should().EndWith(".8.b.d.0.1.0.0.2.ip6.arpa");
    }

    [Test]
    public void Name_IsAskedUpTo253Characters_AndLabelsUpTo63()
    {
        var label63 = new string('a', 63);
        var name253 = string.Join('.', label63, label63, label63, new string('b', 61));
        name253.Should().HaveLength(253);
        _dns.Answer(name253, DnsRecordType.A, "192.0.2.1");
        Resolve(name253).Should().Be(DomainResolution.Resolves);

        Resolve("x" + name253).Should().Be(DomainResolution.DoesNotExist);
        Resolve(label63 + "a.example").Should().Be(DomainResolution.DoesNotExist);
        _dns.Asked.Should().Equal((name253, DnsRecordType.A));
    }
}
