using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>
/// Issue 15 items 5, 6 and 9 through the program: every command that reads the configuration refuses the same
/// unknown keys, settings past their range stop the start, and list settings replace their defaults.
/// </summary>
[Category("Sockets")]
public class SettingsProcessTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("milter-settings").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private string Config(string milterSection)
    {
        string path = Path.Combine(_dir, "milter.json");
        File.WriteAllText(path, "{ \"Milter\": " + milterSection + " }");
        return path;
    }

    /// <summary>Each command that reads the configuration, with what it needs to get that far, and its exit code for a bad configuration.</summary>
    private static IEnumerable<TestCaseData> Commands()
    {
        foreach ((int exit, string command) in new[]
        {
            (2, "run --listen inet:1@127.0.0.1"), (2, "check --client-ip 192.0.2.1 --from <a@example.org> --rcpt <b@example.net>"), (2, "test cases.txt"),
            (1, "rules --check"), (2, "rules"), (2, "lease list"), (2, "lease add 192.0.2.1"),
        })
        {
            yield return new TestCaseData(exit, command.Split(' ')).SetArgDisplayNames(command);
        }
    }

    [TestCaseSource(nameof(Commands))]
    [CancelAfter(60_000)]
    public async Task MisspeltKeyInTheFile_StopsEveryCommand_NamingTheNearestKey(int exit, string[] command)
    {
        string config = Config("""{ "Listn": { "Listen": "inet:1@127.0.0.1" }, "Policy": { "TrustAuthMechanisms": [ "PLAIN" ] } }""");
        var run = await MilterProgram.RunAsync([.. command, "--config", config]);
        run.Exit.Should().Be(exit, run.Err);
        run.Err.Should().Contain($"Milter:Listn: unknown setting in {config}; did you mean Milter:Listener?")
            .And.Contain($"Milter:Policy:TrustAuthMechanisms: unknown setting in {config}; did you mean Milter:Policy:TrustedAuthMechanisms?")
            .And.NotContain("   at ", "one line per problem, no stack trace");
    }

    [TestCaseSource(nameof(Commands))]
    [CancelAfter(60_000)]
    public async Task MisspeltEnvironmentVariable_StopsEveryCommand_NamingTheNearestKey(int exit, string[] command)
    {
        var run = await MilterProgram.RunWithAsync(new Dictionary<string, string> { ["Milter__Policy__TrustAuthMechanisms__0"] = "PLAIN" }, command);
        run.Exit.Should().Be(exit, run.Err);
        run.Err.Should().Contain("Milter:Policy:TrustAuthMechanisms: unknown setting in the environment (Milter__Policy__TrustAuthMechanisms__…); did you mean Milter:Policy:TrustedAuthMechanisms?");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_SettingsPastWhatTheirTimersHold_ExitTwo_OneLineEach()
    {
        string config = Config("""{ "Listener": { "IdleTimeoutSeconds": 4300000, "HandlerTimeoutSeconds": 99999999999 }, "Leases": { "Ttl": "3000000.00:00:00" } }""");
        var run = await MilterProgram.RunAsync("run", "--config", config, "--state-dir", _dir, "--listen", $"inet:{FreePort.Next()}@127.0.0.1");
        run.Exit.Should().Be(2, run.Err);
        run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo(
            "milter run: Milter:Listener:HandlerTimeoutSeconds: must be between 0.1 and 3600, not 99999999999",
            "milter run: Milter:Listener:IdleTimeoutSeconds: must be between 1 and 86400, not 4300000",
            "milter run: Milter:Leases:Ttl: '3000000.00:00:00' is not a duration from 1 s to 3650 days (1800, 90s, 30m, 2h, 1d or 00:30:00)");
    }

    /// <summary>The largest value of every timeout and poll is one the timers take: the milter serves with all of them, Redis included.</summary>
    [Test]
    [Category("Redis")]
    [CancelAfter(90_000)]
    public async Task Run_EveryTimeoutAtItsMaximum_ServesSessions()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        string server = $"127.0.0.1:{redis.Port}";
        string config = Config($$"""
            { "Listener": { "IdleTimeoutSeconds": 86400, "HandlerTimeoutSeconds": 3600, "ShutdownTimeoutSeconds": 3600 },
              "Leases": { "Ttl": "3650d", "Redis": { "TimeoutMilliseconds": 60000 }, "LogFollower": { "PollMilliseconds": 60000 } },
              "Limits": { "Store": "Redis", "Redis": { "Configuration": "{{server}}", "TimeoutMilliseconds": 60000 }, "MailBomb": { "PeriodSeconds": 604800 } } }
            """);
        await using RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--config", config, "--leases", "redis:" + server);
        (await LeaseProcessTests.LeaseAsync(_dir, "add", "127.0.0.90")).Exit.Should().Be(0);
        (await LeaseProcessTests.RelayAsync(milter.Spec, "127.0.0.90")).Should().Be("continue");
        (await LeaseProcessTests.RelayAsync(milter.Spec, "127.0.0.91")).Should().StartWith("550 5.7.1");
        (await LeaseProcessTests.LeaseAsync(_dir, "list")).Out.Should().StartWith("127.0.0.90 ");
        milter.Output.Should().NotContain("Exception");
    }

    [TestCase("""{ "Policy": { "TrustedAuthMechanisms": [ "PLAIN", "LOGIN" ] } }""", null, "PLAIN", "accept")]
    [TestCase("""{ "Policy": { "TrustedAuthMechanisms": [ "PLAIN", "LOGIN" ] } }""", null, "CRAM-MD5", "550 5.7.1 Relaying denied. Proper authentication required.")]
    [TestCase("""{ "Policy": { "TrustedAuthMechanisms": [] } }""", null, "PLAIN", "550 5.7.1 Relaying denied")]
    [TestCase("{}", "PLAIN", "PLAIN", "accept")]
    [TestCase("{}", "PLAIN", "DIGEST-MD5", "550 5.7.1 Relaying denied. Proper authentication required.")]
    [TestCase("{}", "", "PLAIN", "550 5.7.1 Relaying denied")]
    [CancelAfter(60_000)]
    public async Task TrustedAuthMechanisms_Configured_AreExactlyTheTrustedOnes(string milterSection, string? environment, string mechanism, string rcpt)
    {
        var variables = new Dictionary<string, string>();
        if (environment is { Length: > 0 })
        {
            variables["Milter__Policy__TrustedAuthMechanisms__0"] = environment;
        }
        else if (environment is not null)
        {
            variables["Milter__Policy__TrustedAuthMechanisms"] = string.Empty; // the empty list
        }

        var run = await MilterProgram.RunWithAsync(variables, "check", "--config", Config(milterSection),
            "--client-ip", "203.0.113.20", "--from", "<a@example.org>", "--rcpt", "<x@remote.example>", "--auth-type", mechanism, "--auth-user", "alice");
        run.Exit.Should().NotBe(2, run.Err); // the configuration is good; the exit code is the outcome
        run.Out.Should().MatchRegex($"rcpt: {System.Text.RegularExpressions.Regex.Escape(rcpt)}\\s*(\\n|$)");
    }

    [TestCase("LocalDomains", 1)]
    [TestCase("HostDomains", 0)]
    [CancelAfter(60_000)]
    public async Task PolicyClassM_UnderTheNewOrTheDeprecatedKey_RelaysForItsDomains_TheOldKeyWarnsOnce(string key, int warnings)
    {
        var run = await MilterProgram.RunAsync("check", "--config", Config($$"""{ "Policy": { "RelayEntireDomain": true, "{{key}}": ["corp.example"] } }"""),
            "--client-ip", "203.0.113.20", "--from", "<a@example.org>", "--rcpt", "<x@corp.example>");

        run.Exit.Should().Be(0, run.Err);
        run.Out.Should().MatchRegex(@"rcpt: accept\s*(\n|$)", "class m holds corp.example under either key");
        System.Text.RegularExpressions.Regex.Count(run.Err, "deprecated").Should().Be(warnings, run.Err);
        if (warnings > 0)
        {
            run.Err.Should().Contain("milter: warning: Milter:Policy:LocalDomains is deprecated: it is class m, now Milter:Policy:HostDomains");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_DeprecatedPolicyLocalDomains_WarnsOnceAtStart_NamingTheNewKey()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync("""{ "Policy": { "LocalDomains": ["corp.example"] } }""");

        string output = await milter.OutputOnceItContainsAsync("deprecated", TimeSpan.FromSeconds(10));
        output.Should().Contain("milter run: warning: Milter:Policy:LocalDomains is deprecated: it is class m, now Milter:Policy:HostDomains");
        System.Text.RegularExpressions.Regex.Count(output, "deprecated").Should().Be(1, output);
    }
}
