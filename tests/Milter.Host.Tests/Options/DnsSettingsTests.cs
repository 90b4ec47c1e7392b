using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Milter.Host.Options;
using NUnit.Framework;

namespace Milter.Host.Tests.Options;

/// <summary>Milter:Dns, the DNS lists of Milter:Policy:Dnsbl and the ratecontrol settings of Milter:Limits, checked at start.</summary>
public class DnsSettingsTests
{
    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] settings) =>
        MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build()).Problems;

    [TestCase("192.0.2.53", "192.0.2.53:53")]
    [TestCase("192.0.2.53:5353", "192.0.2.53:5353")]
    [TestCase("2001:db8::53", "[2001:db8::53]:53")]
    [TestCase("[2001:db8::53]:5353", "[2001:db8::53]:5353")]
    public void Server_Forms(string text, string endPoint)
    {
        DnsSettings.TryParseServer(text, out var parsed).Should().BeTrue();
        parsed!.ToString().Should().Be(endPoint);
    }

    [TestCase("dns.example")]
    [TestCase("192.0.2.53:0")]
    [TestCase("192.0.2.53:70000")]
    [TestCase("2001:db8::53:5353x")]
    public void Server_NotAnAddress_IsNamed(string text) =>
        Problems(("Milter:Dns:Servers:0", text)).Should().Equal($"Milter:Dns:Servers:0: '{text}' is not IP or IP:PORT");

    [TestCase("Milter:Dns:TimeoutMilliseconds", "50", "Milter:Dns:TimeoutMilliseconds: must be between 100 and 5000, not 50")]
    [TestCase("Milter:Dns:Retries", "4", "Milter:Dns:Retries: must be between 0 and 3, not 4")]
    [TestCase("Milter:Dns:CacheSize", "-1", "Milter:Dns:CacheSize: must be between 0 and 1000000, not -1")]
    [TestCase("Milter:Dns:MaxCacheTtlSeconds", "90000", "Milter:Dns:MaxCacheTtlSeconds: must be between 1 and 86400, not 90000")]
    [TestCase("Milter:Limits:ConnectionRateWindowSeconds", "5", "Milter:Limits:ConnectionRateWindowSeconds: must be between 6 and 86400, not 5")]
    public void OutOfRange_IsNamed(string key, string value, string problem) => Problems((key, value)).Should().Equal(problem);

    [Test]
    public void Defaults_LeaveTheSenderDomainCheckInsideTheHandlerTimeout()
    {
        var settings = MilterSettings.Bind(new ConfigurationBuilder().Build());
        settings.Problems.Should().BeEmpty();
        (2 * settings.Dns.QueryDeadlineMilliseconds).Should().BeLessThan((int)(settings.Listener.HandlerTimeoutSeconds * 1000) - 1000,
            "MAIL asks A, then AAAA and MX: two query deadlines and the margin must end before the handler timeout closes the MTA's connection");
    }

    [Test]
    public void LongestQueryTheRangesAllow_IsRefused_WhenAStageCouldOutlastTheHandlerTimeout()
    {
        Problems(("Milter:Dns:TimeoutMilliseconds", "5000"), ("Milter:Dns:Retries", "3")).Should().ContainSingle().Which.Should().Be(
            "Milter:Listener:HandlerTimeoutSeconds: 8 s is shorter than a stage may wait (41.2 s: DNS 2 × (Milter:Dns:TimeoutMilliseconds 5000 × (Milter:Dns:Retries 3 + 1) + 100 ms)"
            + " for the sender domain check (Milter:Policy:AcceptUnresolvableDomains false) + 1000 ms margin); raise it (below the MTA's milter timeouts) or shorten those");
        Problems(("Milter:Dns:TimeoutMilliseconds", "5000"), ("Milter:Dns:Retries", "3"), ("Milter:Listener:HandlerTimeoutSeconds", "41.2")).Should().BeEmpty();
    }

    [Test]
    public void DnsListsAlone_WaitForOneQuery()
    {
        (string, string)[] lists = [("Milter:Policy:AcceptUnresolvableDomains", "true"), ("Milter:Policy:Dnsbl:0:Zone", "bl.example"), ("Milter:Dns:TimeoutMilliseconds", "3000")];
        Problems([.. lists, ("Milter:Listener:HandlerTimeoutSeconds", "7.1")]).Should().BeEmpty("one query of 2 × 3 s + 100 ms and the 1 s margin fit");
        Problems([.. lists, ("Milter:Listener:HandlerTimeoutSeconds", "7")]).Should().ContainSingle().Which.Should().Contain("(7.1 s: DNS 1 × (").And.Contain("for Milter:Policy:Dnsbl");
        Problems(("Milter:Policy:AcceptUnresolvableDomains", "true"), ("Milter:Dns:TimeoutMilliseconds", "5000"), ("Milter:Dns:Retries", "3")).Should().BeEmpty("without a DNS check no stage waits for DNS");
    }

    [Test]
    public void Defaults_CheckSenderDomains_AndHaveNoLists()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().Build());
        settings.Problems.Should().BeEmpty();
        settings.Policy.AcceptUnresolvableDomains.Should().BeFalse("Sendmail checks sender domains unless FEATURE(accept_unresolvable_domains)");
        settings.Policy.UsesDns.Should().BeTrue();
        settings.Policy.ToPolicyOptions().Dnsbl.Should().BeEmpty();
        settings.Limits.ToFloodLimits().ConnectionRateWindow.Should().Be(TimeSpan.FromSeconds(60));
    }

    [Test]
    public void Dnsbl_ValidList_BecomesItsOptions()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Milter:Policy:Dnsbl:0:Zone"] = "bl.example",
            ["Milter:Policy:Dnsbl:0:Match:0"] = "127.0.0.2.",
            ["Milter:Policy:Dnsbl:0:Action"] = "quarantine",
            ["Milter:Policy:Dnsbl:0:TemporaryFailure"] = "false",
        }).Build());
        settings.Problems.Should().BeEmpty();
        var list = settings.Policy.ToPolicyOptions().Dnsbl.Single();
        list.Zone.Should().Be("bl.example");
        list.TemporaryFailure.Should().BeFalse();
        list.Action.Should().Be(Milter.Policy.Dns.DnsblAction.Quarantine);
    }

    [TestCase("Zone", "", "Milter:Policy:Dnsbl:0:Zone: '' is not a domain name")]
    [TestCase("Action", "Bounce", "Milter:Policy:Dnsbl:0:Action: 'Bounce' is not Reject, Quarantine or Discard")]
    [TestCase("Reply", "451 4.7.1 $&{client_addr}", "Milter:Policy:Dnsbl:0:Reply: '451 4.7.1 $&{client_addr}' is not 'ddd d.d.d text' with a 5xx code and a matching class")]
    [TestCase("TemporaryReply", "550 5.7.1 x", "Milter:Policy:Dnsbl:0:TemporaryReply: '550 5.7.1 x' is not 'ddd d.d.d text' with a 4xx code and a matching class")]
    [TestCase("Match:0", "127..2", "Milter:Policy:Dnsbl:0:Match:0: '127..2' is not a result pattern (labels, $-, $+ or $*, separated by dots)")]
    public void Dnsbl_BadEntry_IsNamed(string key, string value, string problem)
    {
        var settings = new Dictionary<string, string> { ["Milter:Policy:Dnsbl:0:Zone"] = "bl.example" };
        settings[$"Milter:Policy:Dnsbl:0:{key}"] = value;
        Problems([.. settings.Select(p => (p.Key, p.Value))]).Should().Equal(problem);
    }

    [Test]
    public void NoDelay_WithoutDelayChecks_IsRefused_AsSendmailsM4Does()
    {
        Problems(("Milter:Limits:RateControl:NoDelay", "true")).Should().Equal(
            "Milter:Limits:RateControl:NoDelay: needs Milter:Policy:DelayChecks (nodelay requires FEATURE(delay_checks))");
        Problems(("Milter:Limits:RateControl:NoDelay", "true"), ("Milter:Policy:DelayChecks", "On")).Should().BeEmpty();
    }
}
