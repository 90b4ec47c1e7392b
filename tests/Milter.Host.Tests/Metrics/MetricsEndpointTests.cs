using System.Globalization;
using System.Net;
using FluentAssertions;
using Milter.Protocol;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests.Metrics;

/// <summary>The Prometheus endpoint of a real <c>milter run --metrics</c>, scraped over HTTP after scripted sessions.</summary>
[Category("Sockets")]
[NonParallelizable]
public class MetricsEndpointTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("milter-metrics-test").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task Scrape_AfterARefusedRelay_CountsTheSessionTheVerdictWithItsRuleAndTheLatency()
    {
        (RunningMilter milter, int port, string access) = await StartAsync("Connect:192.0.2.1\tRELAY\nFrom:spammer@example.com\tREJECT\n");
        await using RunningMilter _ = milter;

        await using (MilterClient client = await MilterClient.ConnectAsync(milter.Spec, null, default))
        {
            await client.NegotiateAsync(default);
            await client.ConnectAsync("client.test", IPAddress.Parse("203.0.113.20"), 40000);
            await client.HeloAsync("client.test");
            (await client.MailAsync("<spammer@example.com>")).Code.Should().NotBe(MilterResponseCode.Continue);
            await client.QuitAsync();
        }

        await using (MilterClient client = await MilterClient.ConnectAsync(milter.Spec, null, default))
        {
            await client.NegotiateAsync(default);
            await client.ConnectAsync("client.test", IPAddress.Parse("203.0.113.21"), 40000);
            await client.HeloAsync("client.test");
            await client.MailAsync("<a@example.org>");
            (await client.RcptAsync("<x@remote.example>")).Code.Should().Be(MilterResponseCode.ReplyCode);
            await client.QuitAsync();
        }

        string scrape = await EventuallyScrapeAsync(port, s => Value(s, "milter_sessions_open") == 0);
        Value(scrape, "milter_sessions_total").Should().BeGreaterThanOrEqualTo(2);
        Value(scrape, "milter_sessions_open").Should().Be(0, "both sessions ended with QUIT");
        Value(scrape, $$"""milter_verdicts_total{action="reject",rule="{{access}}:2",stage="mail"}""").Should().Be(1, "the rule label is the deciding line, as in the decision log line");
        Value(scrape, """milter_verdicts_total{action="reject",rule="relaying denied: no rule allows this client to relay",stage="rcpt"}""").Should().Be(1, "with no deciding rule the label is the reason");
        Value(scrape, """milter_decision_duration_seconds_count{stage="mail"}""").Should().BeGreaterThanOrEqualTo(1);
        Value(scrape, """milter_rules_loads_total{result="success"}""").Should().Be(1);
        Value(scrape, "milter_rules_version").Should().Be(1);
        Value(scrape, "milter_rules_last_load_timestamp_seconds").Should().BeGreaterThan(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Scrape_CountsLeaseAddsBySource_TheTableSize_AndARefusedReload()
    {
        (RunningMilter milter, int port, string access) = await StartAsync("Connect:192.0.2.1\tRELAY\n");
        await using RunningMilter _ = milter;
        (await MilterProgram.RunAsync("lease", "add", "192.0.2.7", "--state-dir", _dir)).Exit.Should().Be(0);
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\n  Connect:192.0.2.3 RELAY\n"); // line 2 is broken

        string scrape = await EventuallyScrapeAsync(port, s => Value(s, """milter_rules_loads_total{result="failure"}""") >= 1);
        Value(scrape, """milter_leases_added_total{source="admin"}""").Should().Be(1);
        Value(scrape, "milter_leases_entries").Should().Be(1);
        Value(scrape, "milter_rules_version").Should().Be(1, "the broken file did not replace the rules");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Scrape_CountsALimitHitByLimit_AndItsVerdictAsDecidedByLimits()
    {
        int port = FreePort.Next();
        await using RunningMilter milter = await RunningMilter.StartWithAsync(
            new Dictionary<string, string> { ["Milter__Limits__RecipientsPerMessage__Max"] = "1" }, _dir, "--metrics", $"127.0.0.1:{port}");
        await using (MilterClient client = await MilterClient.ConnectAsync(milter.Spec, null, default))
        {
            await client.NegotiateAsync(default);
            await client.ConnectAsync("client.test", IPAddress.Parse("203.0.113.20"), 40000);
            await client.HeloAsync("client.test");
            await client.MailAsync("<a@example.org>");
            (await client.RcptAsync("<postmaster@example.net>")).IsContinue.Should().BeTrue();
            (await client.RcptAsync("<abuse@example.net>")).Text.Should().StartWith("452 4.5.3");
            await client.QuitAsync();
        }

        string scrape = await EventuallyScrapeAsync(port, s => s.Contains("milter_limits_exceeded_total{", StringComparison.Ordinal));
        scrape.Should().MatchRegex("""milter_limits_exceeded_total\{action="refused",limit="[^"]+"\} 1\n""");
        Value(scrape, """milter_verdicts_total{action="tempfail",rule="limits",stage="rcpt"}""").Should().Be(1);
    }

    [Test]
    public async Task MetricsListen_NotAnAddressAndPort_IsRefusedAtStartNamingTheSetting()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", _dir, "--metrics", "localhost");
        exit.Should().Be(2);
        error.Should().Contain("Milter:Metrics:Listen: 'localhost' is not ADDRESS:PORT");
    }

    /// <summary><c>milter run</c> with these access rules and its metrics on a free loopback port.</summary>
    [Test]
    [CancelAfter(60_000)]
    public async Task MetricsPortTaken_StopsTheStartNamingTheSetting()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", _dir, "--metrics", $"127.0.0.1:{port}");

        exit.Should().Be(1);
        error.Should().Contain($"Milter:Metrics:Listen 127.0.0.1:{port}: ");
    }

    private async Task<(RunningMilter Milter, int Port, string Access)> StartAsync(string accessRules)
    {
        int port = FreePort.Next();
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, accessRules);
        return (await RunningMilter.StartInAsync(_dir, "--access", access, "--metrics", $"127.0.0.1:{port}"), port, access);
    }

    private static async Task<string> EventuallyScrapeAsync(int port, Func<string, bool> condition)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string scrape = string.Empty;
        await Eventually.HoldsAsync(
            async () => condition(scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"))), TimeSpan.FromSeconds(10));

        TestContext.Out.WriteLine(scrape); // shown when an assertion on it fails
        return scrape;
    }

    /// <summary>The value of the sample named exactly <paramref name="series"/> (name and labels as scraped), or null.</summary>
    private static double? Value(string scrape, string series)
    {
        foreach (string line in scrape.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
