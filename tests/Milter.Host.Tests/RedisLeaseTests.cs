using System.Diagnostics;
using System.Net.Sockets;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>Two <c>milter run</c> processes sharing one lease table on a real redis-server started here.</summary>
[Category("Redis")]
[Category("Sockets")]
[NonParallelizable]
public class RedisLeaseTests
{
    private RedisServer? _redis;
    private readonly List<string> _dirs = [];

    [SetUp]
    public async Task StartRedis() => _redis = await RedisServer.StartAsync();

    [TearDown]
    public void CleanUp()
    {
        StopRedis();
        foreach (string dir in _dirs)
        {
            Directory.Delete(dir, recursive: true);
        }

        _dirs.Clear();
    }

    private void StopRedis()
    {
        _redis?.Dispose();
    }

    private async Task<RunningMilter> StartMilterAsync()
    {
        string dir = Directory.CreateTempSubdirectory("milter-redis-lease").FullName;
        _dirs.Add(dir);
        return await RunningMilter.StartInAsync(dir, "--leases", $"redis:127.0.0.1:{_redis!.Port}");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task TwoMilters_OnOneRedis_ALeaseAddedThroughOneRelaysThroughTheOther()
    {
        await using RunningMilter first = await StartMilterAsync();
        await using RunningMilter second = await StartMilterAsync();
        (await LeaseProcessTests.RelayAsync(second.Spec, "127.0.0.60")).Should().StartWith("550 5.7.1");
        var add = await LeaseProcessTests.LeaseAsync(first.StateDir, "add", "127.0.0.60", "--user", "bob");
        add.Exit.Should().Be(0, add.Err);
        (await LeaseProcessTests.RelayAsync(second.Spec, "127.0.0.60")).Should().Be("continue");
        (await LeaseProcessTests.LeaseAsync(second.StateDir, "show", "127.0.0.60")).Out.Should().Contain("admin bob");
        (await LeaseProcessTests.LeaseAsync(second.StateDir, "list")).Out.Should().StartWith("127.0.0.60 ");
        (await LeaseProcessTests.RelayAsync(first.Spec, "127.0.0.61")).Should().StartWith("550 5.7.1");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RedisDown_RelayNeedingALease_Is451_AndTheOutageIsLoggedOnce()
    {
        await using RunningMilter milter = await StartMilterAsync();
        (await LeaseProcessTests.LeaseAsync(milter.StateDir, "add", "127.0.0.62")).Exit.Should().Be(0);
        (await LeaseProcessTests.RelayAsync(milter.Spec, "127.0.0.62")).Should().Be("continue");
        StopRedis();
        for (int i = 0; i < 5; i++)
        {
            (await LeaseProcessTests.RelayAsync(milter.Spec, "127.0.0.62")).Should().Be("451 4.3.0 Temporary system failure. Please try again later.");
        }

        var add = await LeaseProcessTests.LeaseAsync(milter.StateDir, "add", "127.0.0.63");
        add.Exit.Should().Be(1);
        add.Err.Should().Contain("lease store redis:127.0.0.1:");
        int Logged() => System.Text.RegularExpressions.Regex.Count(milter.Output, "lease store redis=127.0.0.1:[0-9]+ unavailable");
        await Eventually.TrueAsync(() => Logged() >= 1, TimeSpan.FromSeconds(10), "the outage is logged", () => milter.Output);
        await Consistently.TrueAsync(() => Logged() == 1, TimeSpan.FromMilliseconds(200), "the outage is logged once, not per failure", () => milter.Output);
    }
}
