using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Access;
using Milter.Policy.Dns;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using Milter.Policy.Tests.Dns;

namespace Milter.Policy.Tests;

/// <summary>
/// A transaction whose DNS questions or rate store answer later never holds the caller's thread: the stage's task is
/// returned unfinished and completes with the same verdict once the answer comes. Also the edges of the limits'
/// replies and of a new SMTP session on the same connection.
/// </summary>
public sealed class PolicyTransactionAsyncTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Starts a stage on another thread and says whether it returned unfinished; a stage that blocks fails the test.</summary>
    private static async Task<Verdict> ReturnsUnfinished(Func<ValueTask<Verdict>> stage, TaskCompletionSource release)
    {
        var returned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = Task.Run(() =>
        {
            var pending = stage();
            returned.SetResult(pending.IsCompleted);
            return pending.AsTask();
        });
        bool completed;
        try
        {
            completed = await returned.Task.WaitAsync(Bound);
        }
        finally
        {
            release.TrySetResult();
        }

        completed.Should().BeFalse("the answer is still held");
        return await call.WaitAsync(Bound);
    }

    [Test]
    public async Task ConnectWaitingForADnsList_ReturnsUnfinished_ThenRefusesTheListedClient()
    {
        var dns = new FakeDnsResolver().Answer("1.2.0.192.bl.example", DnsRecordType.A, "127.0.0.2");
        dns.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("")), new PolicyOptions { Dnsbl = [new DnsblOptions { Zone = "bl.example" }] }, resolver: dns);
        var transaction = new PolicyTransaction(engine, new LimitEngine(new FloodLimits { AccessEntries = false }, new MemoryRateLimitStore(_time), time: _time));

        var verdict = await ReturnsUnfinished(() => transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None), dns.Gate);

        verdict.IsRefusal.Should().BeTrue();
        transaction.Helo("client.example").Outcome.Should().Be("550 5.7.1 Rejected: 192.0.2.1 listed at bl.example");
    }

    [Test]
    public async Task MailWaitingForTheSenderDomain_ReturnsUnfinished_ThenRefusesAnUnknownDomain()
    {
        var dns = new FakeDnsResolver();
        var engine = new PolicyEngine(new RuleSetHolder(TestPolicy.Rules("")), new PolicyOptions(), resolver: dns);
        var transaction = new PolicyTransaction(engine, new LimitEngine(new FloodLimits { AccessEntries = false }, new MemoryRateLimitStore(_time), time: _time));
        (await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeFalse();
        dns.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var verdict = await ReturnsUnfinished(() => transaction.MailAsync("<a@nope.example>", default, CancellationToken.None), dns.Gate);

        verdict.Outcome.Should().Be("553 5.1.8 Domain of sender address a@nope.example does not exist");
    }

    [Test]
    public async Task ConnectRateHeldByTheStore_ReturnsUnfinished_ThenRefusesOverTheRate()
    {
        var store = new HeldRateLimitStore(new MemoryRateLimitStore(_time));
        var limits = new LimitEngine(new FloodLimits
        {
            AccessEntries = false,
            ClientConnectionRate = new RateLimit("ClientConnectionRate", LimitScope.Client, 1, TimeSpan.FromMinutes(1)),
        }, store, time: _time);
        var engine = TestPolicy.Engine("");
        store.Gate.SetResult();
        (await new PolicyTransaction(engine, limits).ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeFalse();
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var transaction = new PolicyTransaction(engine, limits);
        var verdict = await ReturnsUnfinished(() => transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None), store.Gate);

        verdict.Should().Match<Verdict>(v => v.Action == VerdictAction.TempFail && v.Reason == PolicyTransaction.LimitsReason);
    }

    [Test]
    public async Task MessageRateHeldByTheStore_ReturnsUnfinished_ThenRefusesOverTheRate()
    {
        var store = new HeldRateLimitStore(new MemoryRateLimitStore(_time));
        store.Gate.SetResult();
        var limits = new LimitEngine(new FloodLimits
        {
            AccessEntries = false,
            ClientMessageRate = new RateLimit("ClientMessageRate", LimitScope.Client, 1, TimeSpan.FromMinutes(1)),
        }, store, time: _time);
        var transaction = new PolicyTransaction(TestPolicy.Engine(""), limits);
        await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None);
        (await transaction.MailAsync("<a@sender.example>", default, CancellationToken.None)).IsRefusal.Should().BeFalse();
        transaction.EndMessage();
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var verdict = await ReturnsUnfinished(() => transaction.MailAsync("<a@sender.example>", default, CancellationToken.None), store.Gate);

        verdict.Reply!.Line.Should().Be("451 4.7.1 Rate limit exceeded, try again later");
    }

    [TestCase(550, VerdictAction.Reject)]
    [TestCase(500, VerdictAction.Reject)]
    [TestCase(452, VerdictAction.TempFail)]
    public async Task LimitRefusal_RejectsWithA5xxReply_AndTempfailsWithA4xx(int code, VerdictAction action)
    {
        var limits = new LimitEngine(new FloodLimits
        {
            AccessEntries = false,
            ClientMessageRate = new RateLimit("ClientMessageRate", LimitScope.Client, 1, TimeSpan.FromMinutes(1)),
            RateReply = new PolicyReply(code, code >= 500 ? "5.7.1" : "4.7.1", "Slow down"),
        }, new MemoryRateLimitStore(_time), time: _time);
        var transaction = new PolicyTransaction(TestPolicy.Engine(""), limits);
        await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None);
        await transaction.MailAsync("<a@sender.example>", default, CancellationToken.None);
        transaction.EndMessage();

        var refused = await transaction.MailAsync("<a@sender.example>", default, CancellationToken.None);

        refused.Action.Should().Be(action);
        refused.Reply!.Code.Should().Be(code);
    }

    [Test]
    public async Task NewSmtpSessionOnTheSameConnection_GivesThePreviousSlotBack()
    {
        var limits = new LimitEngine(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) },
            new MemoryRateLimitStore(_time), time: _time);
        var transaction = new PolicyTransaction(TestPolicy.Engine(""), limits);
        (await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeFalse();

        (await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeFalse("QUIT_NC ended the first SMTP session");
    }

    [Test]
    public async Task ClientConnEntry_CountsEveryOpenConnection()
    {
        var limits = new LimitEngine(new FloodLimits(), new MemoryRateLimitStore(_time), time: _time);
        var engine = TestPolicy.Engine("ClientConn:192.0.2\t1\n");
        (await new PolicyTransaction(engine, limits).ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeFalse();

        var second = new PolicyTransaction(engine, limits);
        (await second.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None)).IsRefusal.Should().BeTrue();
        second.Helo("client.example").Outcome.Should().Be("452 4.3.2 Too many open connections.");
    }

    [Test]
    public async Task EndMessage_ForgetsTheSender_SoItNoLongerJudgesARecipient()
    {
        var engine = TestPolicy.Engine("From:spammer.example\tREJECT\n", new PolicyOptions { DelayChecks = DelayChecksMode.On });
        var transaction = new PolicyTransaction(engine);
        await transaction.ConnectAsync(new ClientFacts("192.0.2.1"), CancellationToken.None);
        await transaction.MailAsync("<a@spammer.example>", default, CancellationToken.None);
        (await transaction.RcptAsync("<u@example.net>", CancellationToken.None)).IsRefusal.Should().BeTrue();

        transaction.EndMessage();

        (await transaction.RcptAsync("<u@example.net>", CancellationToken.None)).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void StageWithoutASession_SaysHowToOpenOne() =>
        new PolicyTransaction(TestPolicy.Engine("")).Invoking(t => t.Helo("client.example"))
            .Should().Throw<InvalidOperationException>().WithMessage("no session: call ConnectAsync or Open first");

    /// <summary>A rate store that answers only when <see cref="Gate"/> is set.</summary>
    private sealed class HeldRateLimitStore(IRateLimitStore inner) : IRateLimitStore
    {
        public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken)
        {
            await Gate.Task.WaitAsync(cancellationToken);
            return await inner.AcquireAsync(limit, key, cost, cancellationToken);
        }
    }
}
