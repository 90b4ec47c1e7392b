using Milter.Policy.Dns;

namespace Milter.Policy.Tests.Dns;

/// <summary>What an answer may be cached for, and how it reads in logs and traces.</summary>
public sealed class DnsAnswerTests
{
    [Test]
    public void NegativeTtl_IsNotCached()
    {
        new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromSeconds(-5)).Ttl.Should().Be(TimeSpan.Zero);
        new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromSeconds(5)).Ttl.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Test]
    public void TemporaryFailure_IsNeverCached_WhateverTtlItCarries() =>
        new DnsAnswer(DnsStatus.TemporaryFailure, null, TimeSpan.FromMinutes(5), "SERVFAIL").Ttl.Should().Be(TimeSpan.Zero);

    [Test]
    public void Text_NamesTheOutcome_AndTheFailureDetail()
    {
        new DnsAnswer(DnsStatus.Answer, ["127.0.0.2", "127.0.0.4"], TimeSpan.FromMinutes(1)).ToString().Should().Be("127.0.0.2 127.0.0.4");
        new DnsAnswer(DnsStatus.NoData, null, TimeSpan.FromMinutes(1)).ToString().Should().Be("NODATA");
        new DnsAnswer(DnsStatus.NameError, null, TimeSpan.FromMinutes(1)).ToString().Should().Be("NXDOMAIN");
        DnsAnswer.Failed("SERVFAIL").ToString().Should().Be("temporary failure (SERVFAIL)");
        new DnsAnswer(DnsStatus.TemporaryFailure, null, TimeSpan.Zero).ToString().Should().Be("temporary failure");
    }
}
