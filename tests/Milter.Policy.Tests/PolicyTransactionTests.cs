using System.Net;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Leases;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>
/// One verdict per stage: the access rules, relay decision and leases first, the flood limits only for what they let
/// through, a connect-stage refusal of the rules withheld until HELO, a quarantine carried to the end of the message.
/// </summary>
public sealed class PolicyTransactionTests
{
    private const string Access =
        "Connect:refused.example\tREJECT\n" +
        "Connect:held.example\tQUARANTINE:client held\n" +
        "From:quarantine.example\tQUARANTINE:sender held\n";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private LimitEngine Limits(FloodLimits limits) => new(limits, new MemoryRateLimitStore(_time), time: _time);

    private static PolicyTransaction Transaction(LimitEngine? limits = null, ILeaseStore? leases = null) =>
        new(TestPolicy.Engine(Access, leases: leases), limits);

    private static T Sync<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new AssertionException("memory stores answer synchronously");

    private static Verdict Connect(PolicyTransaction transaction, string address = "192.0.2.1", string? name = null) =>
        Sync(transaction.ConnectAsync(new ClientFacts(address, name, ClientResolve.Ok), CancellationToken.None));

    private static Verdict Mail(PolicyTransaction transaction, string sender = "<a@sender.example>") =>
        Sync(transaction.MailAsync(sender, default, CancellationToken.None));

    private static Verdict Rcpt(PolicyTransaction transaction, string recipient) =>
        Sync(transaction.RcptAsync(recipient, CancellationToken.None));

    [Test]
    public void TransactionsSharingOneEngines_AskTheSameRulesAndLimits()
    {
        var shared = new TransactionEngines(TestPolicy.Engine(Access), Limits(new FloodLimits
        {
            AccessEntries = false,
            ClientConnections = new CountLimit("ClientConnections", 1),
        }));
        var first = new PolicyTransaction(shared);
        var second = new PolicyTransaction(shared);

        Connect(first).IsRefusal.Should().BeFalse();
        Connect(second).Reason.Should().Be(PolicyTransaction.LimitsReason, "the first connection holds the client's one slot");
        Connect(new PolicyTransaction(shared), name: "refused.example").IsWithheld.Should().BeTrue("the rules refuse first, withheld until HELO");
        first.Close();
        Connect(second).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void Sender_IsTheOneGivenAtMail_RefusedOrNot_UntilTheMessageEnds()
    {
        var transaction = Transaction();
        transaction.Sender.Should().BeNull("no session yet");
        Connect(transaction, name: "refused.example");
        transaction.Sender.Should().BeNull("no MAIL yet");
        const string sender = "<a@sender.example>";
        Mail(transaction, sender).IsRefusal.Should().BeTrue();
        transaction.Sender.Should().BeSameAs(sender, "a refused MAIL is logged with its sender");
        transaction.EndMessage();
        transaction.Sender.Should().BeNull();
        Connect(transaction);
        Mail(transaction, "<>").IsRefusal.Should().BeFalse();
        Rcpt(transaction, "<r@remote.example>");
        transaction.Sender.Should().Be("<>");
        Connect(transaction);
        transaction.Sender.Should().BeNull("a new SMTP session has no sender");
    }

    [Test]
    public void ConnectRefusalOfTheRules_IsWithheldAtConnect_AndDeliveredAtHelo()
    {
        var transaction = Transaction();

        Verdict connect = Connect(transaction, name: "refused.example");
        connect.IsWithheld.Should().BeTrue();
        connect.IsRefusal.Should().BeTrue();
        Verdict helo = transaction.Helo("client.example");
        helo.Stage.Should().Be(PolicyStage.Helo);
        helo.IsWithheld.Should().BeFalse();
        helo.Reply!.Line.Should().Be("550 5.7.1 Access denied");
    }

    [Test]
    public void ConnectLimitRefusal_IsNotWithheld_AndNamesTheLimits()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) });
        Connect(Transaction(limits));

        Verdict second = Connect(Transaction(limits));

        second.Should().Match<Verdict>(v => v.Stage == PolicyStage.Connect && v.Action == VerdictAction.TempFail && !v.IsWithheld && v.Reason == PolicyTransaction.LimitsReason);
        second.Reply!.Line.Should().Be("421 4.7.0 Too many open connections from your host, try again later");
    }

    [Test]
    public void ClientRefusedByTheRules_TakesNoConnectionSlot()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) });
        Connect(Transaction(limits), name: "refused.example").IsRefusal.Should().BeTrue();

        Connect(Transaction(limits)).IsRefusal.Should().BeFalse("the refused client's connection was not counted");
    }

    [Test]
    public void Close_GivesTheConnectionSlotBack()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, ClientConnections = new CountLimit("ClientConnections", 1) });
        var first = Transaction(limits);
        Connect(first);
        first.Close();

        Connect(Transaction(limits)).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void MessageRate_RefusesAtMail_UntilTheClockMovesOn()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, ClientMessageRate = new RateLimit("ClientMessageRate", LimitScope.Client, 1, TimeSpan.FromMinutes(1)) });
        var transaction = Transaction(limits);
        Connect(transaction);
        Mail(transaction).IsRefusal.Should().BeFalse();
        transaction.EndMessage();

        Verdict refused = Mail(transaction);
        refused.Should().Match<Verdict>(v => v.Stage == PolicyStage.Mail && v.Action == VerdictAction.TempFail && v.Reason == PolicyTransaction.LimitsReason);
        refused.Reply!.Line.Should().Be("451 4.7.1 Rate limit exceeded, try again later");
        _time.Advance(TimeSpan.FromMinutes(1));
        Mail(transaction).IsRefusal.Should().BeFalse();
    }

    [Test]
    public void RecipientRefusedByTheRules_IsNotChargedToTheRecipientLimits()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var transaction = Transaction(limits);
        Connect(transaction);
        Mail(transaction);

        Rcpt(transaction, "<x@remote.example>").Reason.Should().NotBe(PolicyTransaction.LimitsReason, "relaying is denied by the rules");
        Rcpt(transaction, "<u@example.net>").IsRefusal.Should().BeFalse();
        Rcpt(transaction, "<v@example.net>").Should().Match<Verdict>(v => v.Action == VerdictAction.TempFail && v.Reason == PolicyTransaction.LimitsReason);
    }

    [Test]
    public void EndMessage_StartsTheRecipientCountAgain()
    {
        var limits = Limits(new FloodLimits { AccessEntries = false, RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) });
        var transaction = Transaction(limits);
        Connect(transaction);
        Mail(transaction);
        Rcpt(transaction, "<u@example.net>").IsRefusal.Should().BeFalse();
        transaction.EndMessage();
        Mail(transaction);

        Rcpt(transaction, "<u@example.net>").IsRefusal.Should().BeFalse();
    }

    [Test]
    public void LeasedClient_RelaysAndIsExemptFromTheLeasedExemptLimits()
    {
        var leases = new InMemoryLeaseStore(_time);
        leases.Add(IPAddress.Parse("192.0.2.1"));
        var limits = Limits(new FloodLimits
        {
            AccessEntries = false,
            ClientRecipientRate = new RateLimit("ClientRecipientRate", LimitScope.Client, 1, TimeSpan.FromMinutes(1), exempt: LimitExemptions.Leased),
        });
        var transaction = Transaction(limits, leases);
        Connect(transaction);
        Mail(transaction);

        Rcpt(transaction, "<x@remote.example>").IsRefusal.Should().BeFalse();
        Rcpt(transaction, "<y@remote.example>").IsRefusal.Should().BeFalse();
    }

    [Test]
    public void SenderQuarantine_IsCarriedToTheEndOfTheMessage_NotToTheNext()
    {
        var transaction = Transaction();
        Connect(transaction);

        Mail(transaction, "<a@quarantine.example>").Action.Should().Be(VerdictAction.Quarantine);
        Rcpt(transaction, "<u@example.net>");
        transaction.Quarantine.Should().Be("sender held");
        transaction.EndMessage();
        transaction.Quarantine.Should().BeNull();
        Mail(transaction);
        transaction.Quarantine.Should().BeNull();
    }

    [Test]
    public void NewSessionOnTheConnection_StartsWithoutTheQuarantineOfTheLast()
    {
        var transaction = Transaction();
        Connect(transaction);
        Mail(transaction, "<a@quarantine.example>");
        transaction.Quarantine.Should().Be("sender held");

        Connect(transaction); // QUIT_NC: a new SMTP session, no end of message seen

        transaction.Quarantine.Should().BeNull();
    }

    [Test]
    public void ConnectQuarantine_IsWithheldAtConnect_AndKeptFromMail()
    {
        var transaction = Transaction();

        Connect(transaction, name: "held.example").IsWithheld.Should().BeTrue();
        transaction.Quarantine.Should().BeNull();
        Mail(transaction).Action.Should().Be(VerdictAction.Quarantine);
        transaction.Quarantine.Should().Be("client held");
    }

    [Test]
    public void NewMail_ForgetsTheQuarantineOfAMessageThatDidNotEnd()
    {
        var transaction = Transaction();
        Connect(transaction);
        Mail(transaction, "<a@quarantine.example>");

        Mail(transaction);

        transaction.Quarantine.Should().BeNull();
    }

    [Test]
    public void StagesWithoutASession_AreAnError_UntilOpened()
    {
        var transaction = Transaction(Limits(new FloodLimits { AccessEntries = false, RecipientsPerMessage = new CountLimit("RecipientsPerMessage", 1) }));

        transaction.Invoking(t => t.Helo("client.example")).Should().Throw<InvalidOperationException>();
        transaction.Open(new ClientFacts("192.0.2.1"));
        transaction.IsOpen.Should().BeTrue();
        Mail(transaction);
        Rcpt(transaction, "<u@example.net>").IsRefusal.Should().BeFalse();
        Rcpt(transaction, "<v@example.net>").IsRefusal.Should().BeFalse("a session opened without connect has no limits");
    }
}
