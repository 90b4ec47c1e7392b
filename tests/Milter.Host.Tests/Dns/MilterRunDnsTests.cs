using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests.Dns;

/// <summary>
/// <c>milter run</c> with its resolver pointed at a private NSD, driven by MilterClient as Sendmail would: the DNS list
/// refuses a listed client, the sender domain check refuses an unresolvable sender, and a sender with a CR gets a reply.
/// </summary>
[TestFixture]
[Category("Dns")]
[Category("Sockets")]
[FixtureLifeCycle(LifeCycle.SingleInstance)]
public sealed class MilterRunDnsTests
{
    private TestDnsServer? _nsd;
    private RunningMilter? _milter;

    [OneTimeSetUp]
    public async Task Start()
    {
        _nsd = await TestDnsServer.StartAsync();
        string state = Directory.CreateTempSubdirectory("milter-dns-test").FullName;
        _milter = await RunningMilter.StartWithAsync(
            new Dictionary<string, string>
            {
                [MilterEnvironment.NoDnsCheck] = "false",
                ["Milter__Dns__Servers__0"] = _nsd.Server,
                ["Milter__Dns__TimeoutMilliseconds"] = "1000",
                ["Milter__Policy__Dnsbl__0__Zone"] = TestDnsServer.ListZone,
                ["Milter__Limits__Enabled"] = "false",
            },
            state);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_milter is not null)
        {
            string dir = _milter.StateDir;
            await _milter.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }

        _nsd?.Dispose();
    }

    private async Task<MilterClient> SessionAsync(string ip)
    {
        MilterClient client = await MilterClient.ConnectAsync(_milter!.Spec, null, default);
        await client.NegotiateAsync(default);
        (await client.ConnectAsync("client.test", IPAddress.Parse(ip), 40000)).IsContinue.Should().BeTrue("the connect verdict is delivered later");
        return client;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ListedClient_IsRefusedWithSendmailsText()
    {
        await using MilterClient client = await SessionAsync("127.0.0.2");
        (await client.HeloAsync("client.test")).Text.Should().Be("550 5.7.1 Rejected: 127.0.0.2 listed at bl.example");
        (await client.MailAsync("<a@sender.example>")).Text.Should().Be("550 5.7.1 Rejected: 127.0.0.2 listed at bl.example");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task SenderDomains_ResolvableGoesOn_UnresolvableIs553_BrokenIs451()
    {
        await using MilterClient client = await SessionAsync("127.0.0.99");
        (await client.HeloAsync("client.test")).IsContinue.Should().BeTrue();
        (await client.MailAsync("<a@mxonly.example>")).IsContinue.Should().BeTrue();
        await client.AbortAsync();
        (await client.MailAsync("<a@nope.example>")).Text.Should().Be("553 5.1.8 Domain of sender address a@nope.example does not exist");
        (await client.MailAsync("<a@x.broken.example>")).Text.Should().Be("451 4.1.8 Domain of sender address a@x.broken.example does not resolve");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task SenderWithCarriageReturn_GetsAnEscapedReply_AndTheConnectionStays()
    {
        await using MilterClient client = await SessionAsync("127.0.0.99");
        (await client.HeloAsync("client.test")).IsContinue.Should().BeTrue();
        (await client.MailAsync("<foo\rbar>")).Text.Should().Be("553 5.5.4 Domain name required for sender address foo\\rbar");
        await client.AbortAsync();
        (await client.MailAsync("<a@sender.example>")).IsContinue.Should().BeTrue("the milter connection survived");
    }
}
