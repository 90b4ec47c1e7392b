using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Issue 12 item 2: the deployment of <see cref="SendmailPolicyTests"/> with the milter set to <c>delay_checks, friend</c>
/// (Debian's default sendmail.mc), a real Sendmail 8.17 in front. With delay_checks Sendmail checks the recipient
/// (relay) before the sender: a sender listed <c>From:… OK</c>, which anyone can forge, must not open the relay; it only
/// spares the client check. A <c>Spam:… FRIEND</c> recipient gets mail even from a refused client. The milter asks a
/// private NSD (<see cref="TestDnsServer"/>): the DNS list and the sender domain check answer at RCPT, where check_rcpt
/// runs check_relay and check_mail under delay_checks.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailDelayChecksFriendTests : OwningFixture
{
    private const string Access = PolicyStack.BaseAccess + "From:forged.example\tOK\nSpam:postmaster@\tFRIEND\n";
    private PolicyStack? _stack;
    private TestDnsServer? _dns;

    private SendmailRig Rig => _stack!.Rig;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail()
    {
        _dns = Owned.Add(await TestDnsServer.StartAsync());
        _stack = Owned.Add(await PolicyStack.StartAsync(new Dictionary<string, string> { ["Milter__Policy__DelayChecks"] = "Friend" }, dns: _dns, access: Access));
    }

    [Test]
    public async Task ForgedFromOkSender_IsRefusedForRelay_NothingQueued()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript smtp = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.5", "boss@forged.example", "x@remote.example");

        smtp.ServerLines.Should().Contain("250 2.1.0 <boss@forged.example>... Sender ok", "{0}", smtp);
        smtp.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull("{0}", smtp);
        Rig.QueuedIds().Should().HaveCount(queued, "a forged From: OK sender must not relay");
    }

    [Test]
    public async Task RefusedClient_IsRefusedAtRcpt_UnlessTheSenderIsFromOk()
    {
        // 127.0.0.6 is reject.example (Connect:reject.example REJECT): with delay_checks the refusal comes at RCPT.
        SwaksTranscript plain = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.6", "sender@sender.example", "u@local.test.example");
        plain.ServerLines.Should().Contain("550 5.7.1 <u@local.test.example>... Access denied", "{0}", plain);
        plain.AcceptedQueueId.Should().BeNull("{0}", plain);

        SwaksTranscript fromOk = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.6", "boss@forged.example", "u@local.test.example");
        fromOk.ServerLines.Should().Contain("250 2.1.5 <u@local.test.example>... Recipient ok", "From: OK spares the client check:\n{0}", fromOk);
        fromOk.AcceptedQueueId.Should().NotBeNull("{0}", fromOk);
    }

    [Test]
    public async Task FriendRecipient_GetsMailFromARefusedClient()
    {
        SwaksTranscript smtp = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.6", "sender@sender.example", "postmaster@local.test.example");

        smtp.ServerLines.Should().Contain("250 2.1.5 <postmaster@local.test.example>... Recipient ok", "{0}", smtp);
        smtp.AcceptedQueueId.Should().NotBeNull("{0}", smtp);
        Rig.QueuedIds().Should().Contain(smtp.AcceptedQueueId!);
    }

    [Test]
    public async Task DnsblListedClient_IsRefusedAtRcpt_ButAFriendRecipientGetsItsMail()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript listed = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.11", "sender@sender.example", "u@local.test.example");
        SwaksTranscript friend = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.11", "sender@sender.example", "postmaster@local.test.example");

        listed.ServerLines.Should().Contain("250 2.1.0 <sender@sender.example>... Sender ok", "delay_checks: nothing refused before RCPT\n{0}", listed);
        listed.ServerLines.Should().Contain("550 5.7.1 <u@local.test.example>... Rejected: 127.0.0.11 listed at bl.example", "{0}", listed);
        listed.AcceptedQueueId.Should().BeNull("{0}", listed);
        friend.ServerLines.Should().Contain("250 2.1.5 <postmaster@local.test.example>... Recipient ok", "{0}", friend);
        friend.AcceptedQueueId.Should().NotBeNull("{0}", friend);
        Rig.QueuedIds().Should().HaveCount(queued + 1, "only the friend's message is queued");
    }

    [Test]
    public async Task UnresolvableSender_IsRefusedAtRcpt_UnlessTheRecipientIsAFriend()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript missing = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.5", "someone@nope.example", "u@local.test.example");
        SwaksTranscript friend = await SendmailPolicyTests.SendAsync(Rig, "127.0.0.5", "someone@nope.example", "postmaster@local.test.example");

        missing.ServerLines.Should().Contain("250 2.1.0 <someone@nope.example>... Sender ok", "delay_checks: nothing refused before RCPT\n{0}", missing);
        missing.ServerLines.Should().Contain(
            "553 5.1.8 <u@local.test.example>... Domain of sender address someone@nope.example does not exist", "{0}", missing);
        missing.AcceptedQueueId.Should().BeNull("{0}", missing);
        friend.ServerLines.Should().Contain("250 2.1.5 <postmaster@local.test.example>... Recipient ok", "{0}", friend);
        Rig.QueuedIds().Should().HaveCount(queued + 1, "only the friend's message is queued");
    }
}
