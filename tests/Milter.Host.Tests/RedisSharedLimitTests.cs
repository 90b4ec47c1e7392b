using System.Diagnostics;
using System.Net.Sockets;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>Two <c>milter run</c> processes on one real redis-server (Debian package redis-server, started here).</summary>
[Category("Redis")]
[Category("Sockets")]
[NonParallelizable]
public class RedisSharedLimitTests
{
    private RedisServer? _redis;

    [SetUp]
    public async Task StartRedis() => _redis = await RedisServer.StartAsync();

    [TearDown]
    public void StopRedis()
    {
        _redis?.Dispose();
    }

    private string Config(string failureMode = "Open") => LimitsFloodTests.Limits(
            ("ClientConnectionRate", """{ "Count": 4, "PeriodSeconds": 3600, "Exempt": "None" }"""))
        .Replace("\"Limits\": {", $$"""
            "Limits": { "Store": "Redis", "Redis": { "Configuration": "127.0.0.1:{{_redis!.Port}}", "FailureMode": "{{failureMode}}", "TimeoutMilliseconds": 300 },
            """, StringComparison.Ordinal);

    [Test]
    [CancelAfter(90_000)]
    public async Task TwoMilters_OnOneRedis_EnforceOneSharedLimit()
    {
        await using RunningMilter first = await RunningMilter.StartAsync(Config());
        await using RunningMilter second = await RunningMilter.StartAsync(Config());
        var outcomes = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            outcomes.Add(await LimitsFloodTests.SessionAsync((i % 2 == 0 ? first : second).Spec, "127.0.0.30"));
        }

        const string Refused = "421 4.7.0 Connection rate limit exceeded, try again later";
        outcomes.Should().Equal(["continue", "continue", "continue", "continue", Refused, Refused, Refused, Refused, Refused, Refused],
            "4 per hour across both milters, not 4 each");
        (await LimitsFloodTests.SessionAsync(second.Spec, "127.0.0.31")).Should().Be("continue", "another client has its own bucket");
        (await second.OutputOnceItContainsAsync("key=127.0.0.30 count=5 max=4", TimeSpan.FromSeconds(10))).Should().Contain("key=127.0.0.30 count=5 max=4");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RedisDown_FailOpen_AllowsEverySession_AndLogsTheOutageOnce()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync(Config("Open"));
        StopRedis();
        for (int i = 0; i < 6; i++)
        {
            (await LimitsFloodTests.SessionAsync(milter.Spec, "127.0.0.32")).Should().Be("continue");
        }

        int Logged() => System.Text.RegularExpressions.Regex.Count(milter.Output, "limit store redis=127.0.0.1:[0-9]+ unavailable");
        await Eventually.TrueAsync(() => Logged() >= 1, TimeSpan.FromSeconds(10), "the outage is logged", () => milter.Output);
        await Consistently.TrueAsync(() => Logged() == 1, TimeSpan.FromMilliseconds(200), "the outage is logged once, not per failure", () => milter.Output);
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RedisDown_FailureModeTempFail_RefusesWith451()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync(Config("TempFail"));
        StopRedis();
        (await LimitsFloodTests.SessionAsync(milter.Spec, "127.0.0.33")).Should().Be("451 4.3.0 Temporary system failure. Please try again later.");
    }
}
