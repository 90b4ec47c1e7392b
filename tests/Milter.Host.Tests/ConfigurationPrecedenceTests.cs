using System.Diagnostics;
using FluentAssertions;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>
/// Where <c>milter run</c> takes its settings from: the default file ($MILTER_CONFIG here, /etc/milter/milter.json on
/// a server) or <c>--config</c>, then <c>Milter__…</c> environment variables, then flags; seen through the listen address.
/// </summary>
[Category("Sockets")]
[NonParallelizable]
public class ConfigurationPrecedenceTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("milter-config-test").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string ConfigListeningOn(string spec)
    {
        string path = Path.Combine(_dir, "milter.json");
        File.WriteAllText(path, $$"""{ "Milter": { "Listener": { "Listen": "{{spec}}" }, "StateDirectory": "{{_dir}}" } }""");
        return path;
    }

    private static string Spec() => $"inet:{FreePort.Next()}@127.0.0.1";

    private static async Task ShouldNotListenAsync(string spec)
    {
        Func<Task> connect = async () => await MilterClient.ConnectAsync(spec, null, default);
        await connect.Should().ThrowAsync<System.Net.Sockets.SocketException>();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task EnvironmentVariable_WinsOverTheConfigFile()
    {
        string fileSpec = Spec();
        string environmentSpec = Spec();
        string config = ConfigListeningOn(fileSpec);
        using Process milter = MilterProgram.StartWith(new Dictionary<string, string> { ["Milter__Listener__Listen"] = environmentSpec }, "run", "--config", config);
        try
        {
            (await MilterProgram.ListensAsync(environmentSpec)).Should().BeTrue();
            await ShouldNotListenAsync(fileSpec);
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Flag_WinsOverTheEnvironmentVariableAndTheFile()
    {
        string fileSpec = Spec();
        string environmentSpec = Spec();
        string flagSpec = Spec();
        string config = ConfigListeningOn(fileSpec);
        using Process milter = MilterProgram.StartWith(new Dictionary<string, string> { ["Milter__Listener__Listen"] = environmentSpec }, "run", "--config", config, "--listen", flagSpec);
        try
        {
            (await MilterProgram.ListensAsync(flagSpec)).Should().BeTrue();
            await ShouldNotListenAsync(environmentSpec);
            await ShouldNotListenAsync(fileSpec);
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DefaultConfigFile_IsReadWhenItExists_WithoutConfigFlag()
    {
        string fileSpec = Spec();
        string config = ConfigListeningOn(fileSpec);
        using Process milter = MilterProgram.StartWith(new Dictionary<string, string> { ["MILTER_CONFIG"] = config }, "run");
        try
        {
            (await MilterProgram.ListensAsync(fileSpec)).Should().BeTrue();
        }
        finally
        {
            milter.Kill(entireProcessTree: true);
        }

        (await milter.StandardOutput.ReadToEndAsync()).Should().Contain("configuration: " + config);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ConfigFlag_NamingNoFile_IsRefused()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--config", Path.Combine(_dir, "missing.json"));
        exit.Should().Be(2);
        error.Should().Contain($"config file {Path.Combine(_dir, "missing.json")} not found");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task MalformedConfigFile_IsRefusedNamingTheFile()
    {
        string config = Path.Combine(_dir, "milter.json");
        await File.WriteAllTextAsync(config, "{ \"Milter\": { \"Listener\": ");
        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--config", config);
        exit.Should().Be(2);
        error.Should().Contain("config file " + config);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task LogLevel_FromTheEnvironment_SilencesInformationLines()
    {
        await using RunningMilter milter = await RunningMilter.StartWithAsync(new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" }, _dir);
        await milter.TerminateAsync();
        milter.Output.Should().NotContain("Rules loaded").And.NotContain("configuration:");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task LoggingFormatJson_WritesOneJsonObjectPerLine()
    {
        await using RunningMilter milter = await RunningMilter.StartWithAsync(new Dictionary<string, string> { ["Milter__Logging__Format"] = "json" }, _dir);
        await milter.TerminateAsync();
        string[] lines = milter.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().NotBeEmpty().And.OnlyContain(l => l.StartsWith("{\"EventId\":", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("\"Category\":\"Milter.Host.Rules.RuleReloader\"", StringComparison.Ordinal));
    }

    [TestCase("JOURNAL_STREAM", "8:12345")]
    [TestCase("Milter__Logging__Format", "systemd")]
    [CancelAfter(60_000)]
    public async Task ConsoleToTheJournal_OrFormatSystemd_PrefixesEachLineWithItsPriority(string variable, string value)
    {
        await using RunningMilter milter = await RunningMilter.StartWithAsync(new Dictionary<string, string> { [variable] = value }, _dir);
        await milter.TerminateAsync();
        string[] lines = milter.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Contain(l => l.StartsWith("<6>Milter.Host.Rules.RuleReloader[3100] Rules loaded", StringComparison.Ordinal));
        lines.Should().OnlyContain(l => l.Length > 3 && l[0] == '<' && l[2] == '>', "journald reads the priority from each line");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task LoggingFormat_Unknown_IsRefusedNamingTheSetting()
    {
        (int exit, _, string error) = await MilterProgram.RunWithAsync(new Dictionary<string, string> { ["Milter__Logging__Format"] = "xml" }, "run", "--state-dir", _dir);
        exit.Should().Be(2);
        error.Should().Contain("Milter:Logging:Format: 'xml' is not one of console, systemd, json, syslog");
    }
}
