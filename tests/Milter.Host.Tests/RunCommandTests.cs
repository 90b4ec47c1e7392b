using System.Diagnostics;
using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary><c>milter run</c> over a real socket, driven by MilterClient as Sendmail would.</summary>
[Category("Sockets")]
[NonParallelizable]
public class RunCommandTests
{
    private static Process? _milter;
    private static string _spec = string.Empty;
    private static string _stateDir = string.Empty;

    [OneTimeSetUp]
    public static async Task StartMilter()
    {
        int port = FreePort.Next();
        _spec = $"inet:{port}@127.0.0.1";
        _stateDir = Directory.CreateTempSubdirectory("milter-run-test").FullName;
        _milter = MilterProgram.Start("run", "--listen", _spec, "--state-dir", _stateDir);
        (await MilterProgram.ListensAsync(_spec)).Should().BeTrue("milter run starts listening");
    }

    [OneTimeTearDown]
    public static void StopMilter()
    {
        _milter?.Kill(entireProcessTree: true);
        _milter?.Dispose();
        if (_stateDir.Length > 0)
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    private static async Task<MilterClient> OpenAsync(string ip)
    {
        MilterClient client = await MilterClient.ConnectAsync(_spec, null, default);
        await client.NegotiateAsync(default);
        (await client.ConnectAsync("client.test", IPAddress.Parse(ip), 40000)).IsContinue.Should().BeTrue();
        (await client.HeloAsync("client.test")).IsContinue.Should().BeTrue();
        return client;
    }

    [Test]
    public async Task RemoteRecipient_FromAStranger_IsRefusedAsSendmailWould()
    {
        await using MilterClient client = await OpenAsync("203.0.113.20");
        (await client.MailAsync("<someone@example.org>")).IsContinue.Should().BeTrue();
        MilterReply reply = await client.RcptAsync("<x@remote.example>");
        reply.Code.Should().Be(MilterResponseCode.ReplyCode);
        reply.Text.Should().Be("550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [Test]
    public async Task LocalRecipient_FromAStranger_IsAccepted()
    {
        await using MilterClient client = await OpenAsync("203.0.113.20");
        await client.MailAsync("<someone@example.org>");
        (await client.RcptAsync("<postmaster@example.net>")).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task PolicyMilter_NegotiatesAwayEverythingAfterRcpt()
    {
        await using MilterClient client = await OpenAsync("203.0.113.20");
        client.Negotiated.Has(Milter.Protocol.MilterProtocolFlags.NoBody).Should().BeTrue();
        client.Negotiated.Has(Milter.Protocol.MilterProtocolFlags.NoHeaders).Should().BeTrue();
        client.NegotiationReply!.SymbolLists.Select(l => l.Value).Should().Contain(v => v.Contains("{auth_authen}", StringComparison.Ordinal));
    }
}
