using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests;

public class CliTests
{
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
    public async Task Check_MissingRuleFile_IsAnError()
    {
        (int exit, _, string error) = await MilterProgram.RunAsync("check", "--client-ip", "1.2.3.4", "--from", "<a@b>", "--rcpt", "<c@d>", "--access", "/nonexistent/access");
        exit.Should().Be(2);
        error.Should().Contain("/nonexistent/access: no such file");
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
