using System.IO.Pipelines;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Adapters;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Protocol.Client;
using Milter.Protocol.Session;
using NUnit.Framework;

namespace Milter.Host.Tests.Adapters;

/// <summary>
/// The policy adapter gives the same answers whether the MTA is Sendmail or Postfix: each case is one SMTP session
/// told the way each MTA tells it (Postfix: bare IPv6, <c>[addr]</c> and <c>{client_name}=unknown</c> for a client
/// without a name, no <c>i</c> at MAIL, macro packets before every step, ABORT after each message and before QUIT;
/// Sendmail: <c>IPv6:</c> prefix, <c>i</c> at MAIL, no ABORT), over an in-memory <see cref="MilterSession"/>.
/// </summary>
public class PolicyMilterHandlerPostfixTests
{
    // IPv6 keys in Sendmail's uncompressed form: Postfix's bare 2001:db8::7 must find it as Sendmail's IPv6: form does.
    private const string Access =
        "Connect:reject.example\tREJECT\n" +
        "Connect:IPv6:2001:db8:0:0:0:0:0:7\tRELAY\n";

    private static readonly MtaFlavor[] Flavors = [MtaFlavor.Sendmail, MtaFlavor.Postfix];

    [TestCaseSource(nameof(Flavors))]
    public async Task IPv6ClientWithAConnectRelayRule_RelaysToRemote(MtaFlavor flavor)
    {
        await using var mta = new Mta(flavor);

        (await mta.SessionAsync("[2001:db8::7]", IPAddress.Parse("2001:db8::7"), resolve: "FAIL", rcpt: "<x@remote.example>"))
            .Should().Equal("C c", "H c", "M c", "R c");
    }

    [TestCaseSource(nameof(Flavors))]
    public async Task ClientWithoutAName_RelayRefused_NamingTheFailedLookup(MtaFlavor flavor)
    {
        await using var mta = new Mta(flavor);

        (await mta.SessionAsync("[192.0.2.9]", IPAddress.Parse("192.0.2.9"), resolve: "FAIL", rcpt: "<x@remote.example>"))
            .Should().Equal("C c", "H c", "M c", "R y 550 5.7.1 Relaying denied. IP name lookup failed [192.0.2.9]");
    }

    [TestCaseSource(nameof(Flavors))]
    public async Task ConnectRejectByName_RefusedAtHelo_WithAccessDenied(MtaFlavor flavor)
    {
        await using var mta = new Mta(flavor);

        (await mta.SessionAsync("reject.example", IPAddress.Parse("192.0.2.6"), resolve: "OK", rcpt: "<u@local.example>"))
            .Should().Equal("C c", "H y 550 5.7.1 Access denied");
    }

    [TestCaseSource(nameof(Flavors))]
    public async Task AuthenticatedClient_RelaysToRemote(MtaFlavor flavor)
    {
        await using var mta = new Mta(flavor);

        (await mta.SessionAsync("client.example", IPAddress.Parse("192.0.2.5"), resolve: "OK", rcpt: "<x@remote.example>", auth: ("PLAIN", "bob")))
            .Should().Equal("C c", "H c", "M c", "R c");
    }

    [TestCaseSource(nameof(Flavors))]
    public async Task TwoMessagesOnOneConnection_TheSecondIsDecidedAfresh(MtaFlavor flavor)
    {
        await using var mta = new Mta(flavor);

        (await mta.SessionAsync("client.example", IPAddress.Parse("192.0.2.5"), resolve: "OK", rcpt: "<u@local.example>", secondRcpt: "<x@remote.example>"))
            .Should().Equal("C c", "H c", "M c", "R c", "E c", "M c", "R y 550 5.7.1 Relaying denied. Proper authentication required.");
    }

    [TestCaseSource(nameof(Flavors))]
    public async Task EachDecision_IsOneLine_RefusalsAndAcceptedMessagesAtInformation_TheRestAtDebug(MtaFlavor flavor)
    {
        var log = new FakeLogger();
        await using (var mta = new Mta(flavor, log))
        {
            await mta.SessionAsync("client.example", IPAddress.Parse("192.0.2.5"), resolve: "OK", rcpt: "<u@local.example>", secondRcpt: "<x@remote.example>");
        }

        IReadOnlyList<FakeLogRecord> records = log.Collector.GetSnapshot();
        string qid = flavor == MtaFlavor.Sendmail ? "Q2" : "-"; // Postfix sends i only from the first RCPT's end of message on
        records.Where(r => r.Level == LogLevel.Information).Select(r => r.Message).Should().Equal(
            "decision qid=Q1 client=192.0.2.5 stage=Message from=<sender@sender.example> rcpt=<u@local.example> rcpts=1 verdict=\"accept\" rule=local-host-names:1",
            $"decision qid={qid} client=192.0.2.5 stage=Rcpt from=<sender@sender.example> rcpt=<x@remote.example> verdict=\"550 5.7.1 Relaying denied. Proper authentication required.\" rule=relaying denied: no rule allows this client to relay");
        records.Where(r => r.Level == LogLevel.Debug).Select(r => r.Message).Should().HaveCount(5, "connect, HELO, the two MAILs and the accepted RCPT")
            .And.OnlyContain(m => m.StartsWith("decision ", StringComparison.Ordinal) && !m.Contains('\n', StringComparison.Ordinal));
    }

    /// <summary>The MTA side (a <see cref="MilterClient"/> of one flavor) and the policy milter, joined in memory.</summary>
    private sealed class Mta : IAsyncDisposable
    {
        private readonly Pipe _toMilter = new();
        private readonly Pipe _toMta = new();
        private readonly MtaFlavor _flavor;
        private readonly Task _session;
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));

        public Mta(MtaFlavor flavor, ILogger? logger = null)
        {
            _flavor = flavor;
            RuleSetLoadResult rules = new RuleSetLoader().Load(
                PolicyFile.FromText("access", Access), PolicyFile.FromText("relay-domains", string.Empty), PolicyFile.FromText("local-host-names", "local.example\n"));
            var engine = new PolicyEngine(new RuleSetHolder(rules.RuleSet), new PolicyOptions());
            var handler = new PolicyMilterHandler(engine, logger ?? NullLogger.Instance);
            _session = new MilterSession(new Duplex(_toMilter.Reader, _toMta.Writer), handler).RunAsync(_timeout.Token);
            Client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), new MilterClientOptions { Flavor = flavor });
        }

        public MilterClient Client { get; }

        /// <summary>Runs the session until the first refusal; returns "STEP reply" for each step sent.</summary>
        public async Task<List<string>> SessionAsync(
            string host, IPAddress address, string resolve, string rcpt, (string Type, string User)? auth = null, string? secondRcpt = null)
        {
            bool postfix = _flavor == MtaFlavor.Postfix;
            bool named = !host.StartsWith('[');
            var steps = new List<string>();
            await Client.NegotiateAsync(default);
            List<KeyValuePair<string, string>> connect =
            [
                new("j", "mta.test.example"),
                new("_", $"{(named ? host : postfix ? "unknown" : string.Empty)} [{address}]".TrimStart()),
                new("{daemon_name}", postfix ? "mta.test.example" : "MTA-v4"),
                new("{client_addr}", postfix || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 ? address.ToString() : "IPv6:" + address),
                new("{client_name}", named ? host : postfix ? "unknown" : host),
                new("{client_resolve}", resolve),
            ];
            if (!postfix)
            {
                connect.Add(new("{if_name}", "localhost"));
            }

            if (!Add(steps, "C", await Client.ConnectAsync(host, address, 4711, connect))
                || !Add(steps, "H", await Client.HeloAsync("client.example")))
            {
                return await EndAsync(steps);
            }

            for (int message = 1; message <= (secondRcpt is null ? 1 : 2); message++)
            {
                List<KeyValuePair<string, string>> mail = postfix ? [] : [new("i", $"Q{message}")];
                if (auth is { } a)
                {
                    mail.AddRange([new("{auth_type}", a.Type), new("{auth_authen}", a.User)]);
                }

                mail.Add(new("{mail_addr}", "sender@sender.example"));
                string recipient = message == 1 ? rcpt : secondRcpt!;
                if (!Add(steps, "M", await Client.MailAsync("<sender@sender.example>", macros: mail))
                    || !Add(steps, "R", await Client.RcptAsync(recipient, macros: [new("{rcpt_addr}", recipient.Trim('<', '>'))])))
                {
                    return await EndAsync(steps);
                }

                if (secondRcpt is not null && message == 1)
                {
                    // The policy negotiated away DATA, headers and body: the MTA goes straight to end of message.
                    Add(steps, "E", (await Client.EndOfMessageAsync(postfix ? [new("i", "Q1")] : [])).Reply);
                }
            }

            return await EndAsync(steps);
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

        private async Task<List<string>> EndAsync(List<string> steps)
        {
            await Client.QuitAsync(); // Postfix: ABORT first (the session said HELO); both: QUIT
            return steps;
        }
    }
}
