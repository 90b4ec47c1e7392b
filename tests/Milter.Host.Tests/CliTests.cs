using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

public class CliTests
{
    [TestCase("run")]
    [TestCase("check")]
    [TestCase("test")]
    [TestCase("rules")]
    [TestCase("lease")]
    [TestCase("lease", "add")]
    [TestCase("lease", "remove")]
    [TestCase("lease", "show")]
    [TestCase("lease", "list")]
    [TestCase("bench")]
    [TestCase("version")]
    public async Task Help_OnEverySubcommand_PrintsItsUsageAndExitsZero(params string[] command)
    {
        (int exit, string output, _) = await MilterProgram.RunAsync([.. command, "--help"]);
        exit.Should().Be(0);
        output.Should().Contain("Usage:").And.Contain("milter " + string.Join(' ', command));
    }

    [TestCase("run", "--no-such-flag")]
    [TestCase("check", "--client-ip", "192.0.2.1", "--from", "<a@b>", "--rcpt", "<c@d>", "--no-such-flag")]
    [TestCase("test", "--no-such-flag")]
    [TestCase("rules", "--no-such-flag")]
    [TestCase("lease", "--no-such-flag")]
    [TestCase("lease", "add", "--no-such-flag")]
    [TestCase("lease", "remove", "--no-such-flag")]
    [TestCase("lease", "show", "--no-such-flag")]
    [TestCase("lease", "list", "--no-such-flag")]
    [TestCase("bench", "--target", "inet:1@127.0.0.1", "--no-such-flag")]
    [TestCase("version", "--no-such-flag")]
    [TestCase("--no-such-flag")]
    public async Task UnknownOption_OnEverySubcommand_IsAUsageError(params string[] args)
    {
        (int exit, string output, string error) = await MilterProgram.RunAsync(args);
        exit.Should().Be(2);
        error.Should().Contain("--no-such-flag").And.Contain("Usage:", "the usage goes with the error, to stderr");
        output.Should().BeEmpty();
    }

    [TestCase("bench", "--target", "inet:1@127.0.0.1", "--concurrency", "many", "Cannot parse argument 'many'")]
    [TestCase("check", "--client-ip", "192.0.2.1", "--from", "<a@b>", "Option '--rcpt' is required")]
    [TestCase("lease", "remove", "Required argument missing")]
    [TestCase("version", "extra", "Unrecognized command or argument 'extra'")]
    [TestCase("no-such-command", "Unrecognized command or argument 'no-such-command'")]
    public async Task BadValueOrMissingArgument_IsAUsageErrorNamingIt(params string[] argsThenMessage)
    {
        (int exit, _, string error) = await MilterProgram.RunAsync(argsThenMessage[..^1]);
        exit.Should().Be(2);
        error.Should().Contain(argsThenMessage[^1]);
    }

    [Test]
    public async Task Bench_TargetHostThatDoesNotResolve_IsAnErrorNamingTheTarget()
    {
        (int exit, string output, string error) = await MilterProgram.RunAsync("bench", "--target", "inet:1@no-such-host.invalid", "--sessions", "1");
        exit.Should().Be(1);
        error.Should().StartWith("milter bench: --target inet:1@no-such-host.invalid: ");
        output.Should().BeEmpty();
    }

    [Test]
    public async Task Test_MissingCaseFile_IsAnError()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("test", "/nonexistent/cases.txt");
        exit.Should().Be(2);
        error.Should().Contain("/nonexistent/cases.txt: no such file");
    }

    [Test]
    public async Task LeaseAndRules_ConfigFlagNamingNoFile_IsAnError()
    {
        (await MilterProgram.RunAsync("lease", "list", "--config", "/nonexistent/milter.json")).Err.Should().Contain("config file /nonexistent/milter.json not found");
        (await MilterProgram.RunAsync("rules", "--config", "/nonexistent/milter.json")).Exit.Should().Be(2);
    }

    [Test]
    public async Task BadFlag_PrintsUsageAndExitsNonZero()
    {
        (int exit, string output, string error) = await MilterProgram.RunAsync("run", "--no-such-flag");
        exit.Should().NotBe(0);
        (output + error).Should().Contain("--no-such-flag").And.Contain("Usage");
    }

    [Test]
    public async Task BadListenSpec_IsRefusedNamingIt()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--listen", "tcp:25");
        exit.Should().Be(2);
        error.Should().Contain("unknown socket type 'tcp'");
    }

    [Test]
    public async Task Check_PrintsEveryStageWithItsReplyAndTrace()
    {
        (int exit, string output, _) = await MilterProgram.RunAsync("check", "--client-ip", "203.0.113.20", "--from", "<a@example.org>", "--rcpt", "<x@remote.example>");
        exit.Should().Be(0);
        output.Should().Contain("rcpt: 550 5.7.1 Relaying denied. Proper authentication required.").And.Contain("access to:remote.example -> miss");
    }

    [Test]
    public async Task Check_ReadsRulesAndPolicyFromTheConfigFile_RuleFlagsWin()
    {
        string dir = Directory.CreateTempSubdirectory("milter-check-config").FullName;
        try
        {
            string fileAccess = Path.Combine(dir, "access");
            string flagAccess = Path.Combine(dir, "access.flag");
            await File.WriteAllTextAsync(fileAccess, "Connect:203.0.113.20\tRELAY\n");
            await File.WriteAllTextAsync(flagAccess, "Connect:192.0.2.1\tRELAY\n");
            string config = Path.Combine(dir, "milter.json");
            await File.WriteAllTextAsync(config, $$"""
                { "Milter": { "Rules": { "Access": "{{fileAccess}}" },
                              "Policy": { "Replies": { "RelayDeniedAuthRequired": "550 5.7.1 Log in first" } } } }
                """);
            string[] transaction = ["check", "--client-ip", "203.0.113.20", "--from", "<a@example.org>", "--rcpt", "<x@remote.example>", "--config", config];

            (int exit, string output, _) = await MilterProgram.RunAsync(transaction);
            exit.Should().Be(0);
            output.Should().Contain(fileAccess + ":1", "the configured access file lets this client relay");

            (exit, output, _) = await MilterProgram.RunAsync([.. transaction, "--access", flagAccess]);
            exit.Should().Be(0);
            output.Should().Contain("rcpt: 550 5.7.1 Log in first", "--access replaces the file's rules, the file's reply text stays");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Check_MissingRuleFile_IsAnError()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("check", "--client-ip", "1.2.3.4", "--from", "<a@b>", "--rcpt", "<c@d>", "--access", "/nonexistent/access");
        exit.Should().Be(2);
        error.Should().Contain("rule file /nonexistent/access (Milter:Rules:Access): no such file");
    }

    [Test]
    public async Task Test_AMismatch_ExitsOneAndNamesTheCase()
    {
        string file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "case stranger may relay\nclient 203.0.113.20\nmail <a@example.org>\nrcpt <x@remote.example>\nexpect continue\n");
        try
        {
            (int exit, string output, _) = await MilterProgram.RunAsync("test", file);
            exit.Should().Be(1);
            output.Should().Contain("stranger may relay").And.Contain("0 passed, 1 failed");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Version_PrintsTheProgramName()
    {
        (int exit, string output, _) = await MilterProgram.RunAsync("version");
        exit.Should().Be(0);
        output.Should().StartWith("milter ");
    }
}
