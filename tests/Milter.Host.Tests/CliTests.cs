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
        exit.Should().Be(1, "a refused transaction exits 1");
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
            exit.Should().Be(1);
            output.Should().Contain("rcpt: 550 5.7.1 Log in first", "--access replaces the file's rules, the file's reply text stays");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("10.1.2")]
    [TestCase("bogus")]
    [TestCase("")]
    [TestCase("167837954")]
    [TestCase("1.2.3.4.5")]
    [TestCase("192.0.2.256")]
    [TestCase("2001:db8::1::2")]
    public async Task Check_ClientIpNotAFullAddress_IsAUsageErrorNamingIt(string clientIp)
    {
        (int exit, string output, string error) = await MilterProgram.RunAsync("check", "--client-ip", clientIp, "--from", "<a@example.org>", "--rcpt", "<x@remote.example>");

        exit.Should().Be(2);
        error.Should().Contain($"--client-ip '{clientIp}' is not a full IPv4 or IPv6 address");
        output.Should().BeEmpty("nothing is evaluated");
    }

    [TestCase("192.0.2.1")]
    [TestCase("[192.0.2.1]")]
    [TestCase("2001:db8::1")]
    [TestCase("IPv6:2001:db8:0:0:0:0:0:1")]
    [TestCase("::ffff:192.0.2.1")]
    public async Task Check_ClientIpFullAddress_IsEvaluated(string clientIp)
    {
        (int exit, string output, _) = await MilterProgram.RunAsync("check", "--client-ip", clientIp, "--from", "<a@example.org>", "--rcpt", "<x@remote.example>");

        exit.Should().Be(1, "a stranger may not relay:\n{0}", output);
        output.Should().Contain("rcpt: 550 5.7.1 Relaying denied.");
    }

    [TestCase("OK", 0, "rcpt: accept")]
    [TestCase("ok", 0, "rcpt: accept")]
    [TestCase("FORGED", 1, "rcpt: 550 5.7.1 Relaying denied. IP name possibly forged mx.trusted.example")]
    [TestCase("FAIL", 1, "rcpt: 550 5.7.1 Relaying denied. IP name lookup failed mx.trusted.example")]
    [TestCase("TEMP", 3, "rcpt: 450 4.4.0 Relaying temporarily denied. Cannot resolve PTR record for 203.0.113.20")]
    public async Task Check_ClientResolve_IsTheMacroTheLiveMilterGets_AndTheExitCodeSaysTheOutcome(string resolve, int expectedExit, string expectedLine)
    {
        string dir = Directory.CreateTempSubdirectory("milter-check-resolve").FullName;
        try
        {
            string relayDomains = Path.Combine(dir, "relay-domains");
            await File.WriteAllTextAsync(relayDomains, "trusted.example\n");
            string[] transaction =
            [
                "check", "--client-ip", "203.0.113.20", "--client-name", "mx.trusted.example", "--from", "<a@example.org>",
                "--rcpt", "<x@remote.example>", "--relay-domains", relayDomains,
            ];

            (int exit, string output, _) = await MilterProgram.RunAsync([.. transaction, "--client-resolve", resolve]);

            output.Should().Contain(expectedLine);
            exit.Should().Be(expectedExit, output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("MAYBE")]
    [TestCase("1")]
    [TestCase("Unknown")]
    public async Task Check_ClientResolveNotAMacroValue_IsAUsageErrorNamingIt(string resolve)
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("check", "--client-ip", "192.0.2.1", "--client-resolve", resolve, "--from", "<a@b>", "--rcpt", "<c@d>");

        exit.Should().Be(2);
        error.Should().Contain($"--client-resolve '{resolve}' is not OK, FAIL, FORGED or TEMP");
    }

    [Test]
    public async Task Check_TemporaryRefusalByRule_ExitsThree()
    {
        string access = Path.GetTempFileName();
        await File.WriteAllTextAsync(access, "From:slow.example\tERROR:4.3.0:451 try again later\n");
        try
        {
            (int exit, string output, _) = await MilterProgram.RunAsync("check", "--client-ip", "192.0.2.1", "--from", "<a@slow.example>", "--rcpt", "<c@d.example>", "--access", access);

            output.Should().Contain("mail: 451 4.3.0 try again later");
            exit.Should().Be(3, output);
        }
        finally
        {
            File.Delete(access);
        }
    }

    [Test]
    public async Task Check_Help_DocumentsTheExitCodes()
    {
        (int exit, string output, _) = await MilterProgram.RunAsync("check", "--help");

        exit.Should().Be(0);
        output.Should().Contain("0 accepted, 1 refused (5xx), 3 temporarily refused (4xx), 2 usage error").And.Contain("--client-resolve");
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
