using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>
/// Issue 15: an access value with a control character never reaches a reply: <c>milter rules --check</c> refuses it as
/// <c>file:line: reason</c>, and a running milter does not load such a file and keeps its last good rules.
/// </summary>
[Category("Sockets")]
[NonParallelizable]
public class ControlCharacterRulesTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("milter-ctl-test").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task RulesCheck_ValueWithACarriageReturn_IsRefusedWithFileAndLine()
    {
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "Connect:192.0.2.1\tRELAY\nFrom:a@b.example\tERROR:\"550 5.7.1 first\rsecond\"\n");

        (int exit, _, string error) = await MilterProgram.RunAsync("rules", "--check", "--access", access);

        exit.Should().Be(1);
        error.Should().Contain(access + ":2: value contains the control character \\r: refused (it would reach an SMTP reply)");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RunningMilter_DoesNotLoadAFileWithAControlCharacter_AndKeepsTheLastGoodRules()
    {
        string access = Path.Combine(_dir, "access");
        await File.WriteAllTextAsync(access, "From:spam.example\tERROR:\"550 5.7.1 go away\"\n");
        await using RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--access", access);
        (await MailAsync(milter.Spec)).Should().Be("550 5.7.1 go away");

        await File.WriteAllTextAsync(access, "From:spam.example\tERROR:\"550 5.7.1 go\rRCPT TO:<x@y>\"\n");
        bool refused = await Eventually.HoldsAsync(
            async () => (await MilterProgram.RunAsync("rules", "--state-dir", _dir)).Out.Contains("last reload refused", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        refused.Should().BeTrue(milter.Output);
        (await milter.OutputOnceItContainsAsync("access:1: value contains", TimeSpan.FromSeconds(10))).Should().Contain("access:1: value contains the control character \\r");
        (await MailAsync(milter.Spec)).Should().Be("550 5.7.1 go away", "the last good rules stay in force");
    }

    private static async Task<string?> MailAsync(string spec)
    {
        await using MilterClient client = await MilterClient.ConnectAsync(spec, null, default);
        await client.NegotiateAsync(default);
        await client.ConnectAsync("client.test", IPAddress.Parse("192.0.2.50"), 40000);
        await client.HeloAsync("client.test");
        return (await client.MailAsync("<x@spam.example>")).Text;
    }
}
