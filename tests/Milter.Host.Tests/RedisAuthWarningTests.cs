using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>
/// Any writer of the lease store's Redis can grant relay: <c>milter run</c> against a real redis-server that accepts
/// unauthenticated writes logs a warning once; against one that requires a password (given in the configuration
/// string) it does not, and leases work.
/// </summary>
[Category("Redis")]
[Category("Sockets")]
[NonParallelizable]
public class RedisAuthWarningTests
{
    private const string Warning = "accepts writes without authentication";
    private readonly Dictionary<string, string> _debug = new() { ["Logging__LogLevel__Milter.Leases"] = "Debug" };
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Directory.CreateTempSubdirectory("milter-redis-auth").FullName;

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    [CancelAfter(90_000)]
    public async Task RedisOpenToUnauthenticatedWrites_WarnedOnceAtStart()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        await using RunningMilter milter = await RunningMilter.StartWithAsync(_debug, _dir, "--leases", $"redis:127.0.0.1:{redis.Port}");

        await WaitForAsync(() => milter.Output.Contains(Warning, StringComparison.Ordinal));

        milter.Output.Should().Contain($"lease store redis 127.0.0.1:{redis.Port} accepts writes without authentication (and the milter's own configuration has no password either): any client that reaches it can grant relay");
        milter.Output.Split(Warning).Length.Should().Be(2, "once");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task RedisRequiringAPassword_NoWarning_LeasesWorkWithThePassword()
    {
        using RedisServer redis = await RedisServer.StartAsync(password: "lease-secret");
        await using RunningMilter milter = await RunningMilter.StartWithAsync(_debug, _dir, "--leases", $"redis:127.0.0.1:{redis.Port},password=lease-secret");

        await WaitForAsync(() => milter.Output.Contains("refuses unauthenticated writes", StringComparison.Ordinal));
        (int exit, _, string error) = await MilterProgram.RunAsync("lease", "add", "192.0.2.90", "--state-dir", _dir);

        exit.Should().Be(0, error);
        milter.Output.Should().Contain("refuses unauthenticated writes: -NOAUTH").And.NotContain(Warning);
        milter.Output.Should().NotContain("lease-secret", "the password never reaches the log");
    }

    private static Task WaitForAsync(Func<bool> condition) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(10), "the milter logs what Redis answered");
}
