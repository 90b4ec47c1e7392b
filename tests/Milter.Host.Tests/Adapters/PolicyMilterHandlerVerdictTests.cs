using System.IO.Pipelines;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Adapters;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Limits;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;
using NUnit.Framework;

namespace Milter.Host.Tests.Adapters;

/// <summary>
/// The adapter's answer for every kind of verdict, as the MTA receives it: continue, accept, reject and tempfail with
/// their reply, discard, quarantine (continue, then the quarantine request at end of message), a connect-stage refusal
/// (continue at connect, the refusal at HELO) and the flood limits' refusals (sent at once, at connect too).
/// </summary>
public class PolicyMilterHandlerVerdictTests
{
    private const string Access =
        "Connect:refused.example\tREJECT\n" +
        "Connect:dropped.example\tDISCARD\n" +
        "From:discard.example\tDISCARD\n" +
        "From:quarantine.example\tQUARANTINE:held for review\n" +
        "To:relay.example\tRELAY\n" +
        "To:busy@local.example\tERROR:\"451 4.7.1 try again later\"\n" +
        "To:gone@local.example\tERROR:\"550 5.1.1 no such user\"\n";

    [Test]
    public async Task Continue_IsContinue()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@sender.example>", "<u@local.example>")).Should().Equal("C c", "H c", "M c", "R c");
    }

    [Test]
    public async Task Accept_IsContinue_NotAccept_SoLaterStagesAreStillAsked()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@sender.example>", "<ok@relay.example>", "<x@remote.example>"))
            .Should().Equal("C c", "H c", "M c", "R c", "R y 550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [Test]
    public async Task Reject_IsTheRuleReply()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@sender.example>", "<gone@local.example>"))
            .Should().Equal("C c", "H c", "M c", "R y 550 5.1.1 no such user");
    }

    [Test]
    public async Task TempFail_IsTheRuleReply()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@sender.example>", "<busy@local.example>"))
            .Should().Equal("C c", "H c", "M c", "R y 451 4.7.1 try again later");
    }

    [Test]
    public async Task Discard_IsDiscard()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@discard.example>", "<u@local.example>")).Should().Equal("C c", "H c", "M d");
    }

    [Test]
    public async Task ConnectDiscard_IsContinueAtConnect_DiscardAtMail()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("dropped.example", "<a@sender.example>", "<u@local.example>")).Should().Equal("C c", "H c", "M d");
    }

    [Test]
    public async Task ConnectRefusal_IsContinueAtConnect_TheRefusalAtHelo()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("refused.example", "<a@sender.example>", "<u@local.example>")).Should().Equal("C c", "H y 550 5.7.1 Access denied");
    }

    [Test]
    public async Task Quarantine_IsContinue_ThenTheQuarantineRequestAtEndOfMessage()
    {
        await using var mta = new Mta();

        (await mta.StepsAsync("client.example", "<a@quarantine.example>", "<u@local.example>", endOfMessage: true))
            .Should().Equal("C c", "H c", "M c", "R c", "E c q:held for review");
    }

    [Test]
    public async Task QuarantineOfOneMessage_IsNotCarriedToTheNext()
    {
        await using var mta = new Mta();
        await mta.StepsAsync("client.example", "<a@quarantine.example>", "<u@local.example>", endOfMessage: true, quit: false);

        (await mta.MessageAsync("<a@sender.example>", "<u@local.example>", endOfMessage: true)).Should().Equal("M c", "R c", "E c");
    }

    [Test]
    public async Task SecondMessageOnOneConnection_HasItsOwnSummary()
    {
        var log = new FakeLogger();
        await using (var mta = new Mta(logger: log))
        {
            await mta.StepsAsync("client.example", "<a@sender.example>", "<u@local.example>", "<v@local.example>", endOfMessage: true, quit: false);
            await mta.MessageAsync("<b@sender.example>", "<w@local.example>", endOfMessage: true);
        }

        log.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Information).Select(r => r.Message).Should().Equal(
            "decision qid=Q1 client=192.0.2.5 stage=Message from=<a@sender.example> rcpt=<u@local.example> rcpts=2 verdict=\"accept\" rule=local-host-names:1",
            "decision qid=Q1 client=192.0.2.5 stage=Message from=<b@sender.example> rcpt=<w@local.example> rcpts=1 verdict=\"accept\" rule=local-host-names:1");
    }

    [Test]
    public async Task LimitRefusalAtConnect_IsSentAtConnect()
    {
        var limits = new LimitEngine(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) }, new MemoryRateLimitStore());
        await using var first = new Mta(limits);
        await using var second = new Mta(limits);
        await first.StepsAsync("client.example", "<a@sender.example>", "<u@local.example>", quit: false);

        (await second.StepsAsync("client.example", "<a@sender.example>", "<u@local.example>"))
            .Should().Equal("C y 421 4.7.0 Too many open connections from your host, try again later");
    }

    [Test]
    public async Task LimitRefusalAtRcpt_IsTheLimitReply()
    {
        var limits = new LimitEngine(new FloodLimits { AccessEntries = false, RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) }, new MemoryRateLimitStore());
        await using var mta = new Mta(limits);

        (await mta.StepsAsync("client.example", "<a@sender.example>", "<u@local.example>", "<v@local.example>"))
            .Should().Equal("C c", "H c", "M c", "R c", "R y 452 4.5.3 Too many recipients");
    }

    // What an MTA should never send fails closed: an inet address that does not parse, or the short form 0 (0.0.0.0,
    // not the {client_addr} 0 of a local submission), is not a local client (which would relay anything, as Relay_ok's
    // "originated locally"). A MAIL without CONNECT is closed by the session's state table before the policy sees it.
    [TestCase(ConnectFamily.Inet, "not-an-address")]
    [TestCase(ConnectFamily.Inet, "")]
    [TestCase(ConnectFamily.Inet6, "IPv6:zz::1")]
    [TestCase(ConnectFamily.Inet, "0")]
    public async Task UnparsableOrShortInetAddress_IsNoLocalClient(ConnectFamily family, string address)
    {
        await using var mta = new Mta();

        (await mta.OddConnectStepsAsync(family, address, "<a@sender.example>", "<x@remote.example>"))
            .Should().Equal("C c", "M c", "R y 550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [Test]
    public async Task UnknownFamily_IsALocalClient_AsSendmailsEmptyClientAddr()
    {
        await using var mta = new Mta();

        (await mta.OddConnectStepsAsync(ConnectFamily.Unknown, "", "<a@sender.example>", "<x@remote.example>"))
            .Should().Equal("C c", "M c", "R c");
    }

    /// <summary>A Sendmail-flavoured MTA side and the policy milter, joined in memory.</summary>
    private sealed class Mta : IAsyncDisposable
    {
        private readonly Pipe _toMilter = new();
        private readonly Pipe _toMta = new();
        private readonly Task _session;
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));
        private readonly MilterClient _client;

        public Mta(LimitEngine? limits = null, ILogger? logger = null)
        {
            RuleSetLoadResult rules = new RuleSetLoader().Load(
                PolicyFile.FromText("access", Access), PolicyFile.FromText("relay-domains", string.Empty), PolicyFile.FromText("local-host-names", "local.example\n"));
            var engine = new PolicyEngine(new RuleSetHolder(rules.RuleSet), new PolicyOptions { BlocklistRecipients = true });
            var handler = new PolicyMilterHandler(engine, logger ?? NullLogger.Instance, limits);
            _session = new MilterSession(new Duplex(_toMilter.Reader, _toMta.Writer), handler).RunAsync(_timeout.Token);
            _client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), new MilterClientOptions());
        }

        /// <summary>One SMTP session until the first answer that is not continue; "STEP reply" for each step sent.</summary>
        public async Task<List<string>> StepsAsync(
            string host, string sender, string rcpt, string? secondRcpt = null, bool endOfMessage = false, bool quit = true)
        {
            var steps = new List<string>();
            await _client.NegotiateAsync(default);
            IPAddress address = IPAddress.Parse("192.0.2.5");
            List<KeyValuePair<string, string>> connect =
            [
                new("j", "mta.test.example"), new("_", $"{host} [{address}]"), new("{daemon_name}", "MTA-v4"),
                new("{client_addr}", address.ToString()), new("{client_name}", host), new("{client_resolve}", "OK"),
            ];
            if (Add(steps, "C", await _client.ConnectAsync(host, address, 4711, connect)) && Add(steps, "H", await _client.HeloAsync("client.example")))
            {
                steps.AddRange(await MessageAsync(sender, rcpt, secondRcpt, endOfMessage));
            }

            if (quit)
            {
                await _client.QuitAsync();
            }

            return steps;
        }

        /// <summary>A session whose CONNECT is <paramref name="family"/> and <paramref name="address"/> as given.</summary>
        public async Task<List<string>> OddConnectStepsAsync(ConnectFamily family, string address, string sender, string rcpt)
        {
            var steps = new List<string>();
            await _client.NegotiateAsync(default);
            if (Add(steps, "C", await _client.ConnectAsync("client.example", family, 4711, address)))
            {
                steps.AddRange(await MessageAsync(sender, rcpt));
            }

            await _client.QuitAsync();
            return steps;
        }

        public async Task<List<string>> MessageAsync(string sender, string rcpt, string? secondRcpt = null, bool endOfMessage = false)
        {
            var steps = new List<string>();
            if (!Add(steps, "M", await _client.MailAsync(sender, macros: [new("i", "Q1")])) || !Add(steps, "R", await _client.RcptAsync(rcpt)))
            {
                return steps;
            }

            if (secondRcpt is not null && !Add(steps, "R", await _client.RcptAsync(secondRcpt)))
            {
                return steps;
            }

            if (endOfMessage)
            {
                EndOfMessageResult end = await _client.EndOfMessageAsync();
                string changes = string.Concat(end.Modifications.Select(m => m.Code == MilterResponseCode.Quarantine ? " q:" + m.Value : " " + m.Code));
                steps.Add($"E {(char)end.Reply.Code}{changes}");
            }

            return steps;
        }

        public async ValueTask DisposeAsync()
        {
            await _toMilter.Writer.CompleteAsync();
            await _session.WaitAsync(TimeSpan.FromSeconds(5));
            _timeout.Dispose();
        }

        private static bool Add(List<string> steps, string step, MilterReply reply)
        {
            steps.Add($"{step} {(char)reply.Code}{(reply.Text is null ? string.Empty : " " + reply.Text)}");
            return reply.IsContinue;
        }
    }
}
