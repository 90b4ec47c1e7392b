using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// A real Sendmail 8.17 (tests/e2e/sendmail-rig.sh) in front of our reference filter; swaks is the SMTP client
/// and the tests assert what it sees, and what Sendmail queued.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailTests : ReferenceFilterFixture<SendmailRig>
{
    protected override Task<SendmailRig> StartMtaAsync(string milterSpec) => SendmailRig.StartAsync(milterSpec);

    [Test]
    public async Task Message_Accepted_QueuedWithTheFiltersChanges()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync(
            "--from", "alice@example.org", "--to", "bob@remote.example.net",
            "--header", "Subject: e2e accepted", "--body", "line one\nREPLACE-ME\n");

        smtp.ServerLines.Should().Contain(l => l.StartsWith("250 2.0.0 ", StringComparison.Ordinal) && l.EndsWith(" Message accepted for delivery", StringComparison.Ordinal), "{0}", smtp);
        string queueId = smtp.AcceptedQueueId!;
        (string control, string data) = Rig.ReadQueued(queueId);
        string[] headers = control.Split('\n').Where(l => l.StartsWith("H??", StringComparison.Ordinal)).ToArray();
        headers.Should().NotBeEmpty("{0}", control);
        headers[0].Should().Be("H??X-Ref-First: inserted", "INSHEADER at index 0 goes above Sendmail's own Received:\n{0}", control);
        headers.Should().Contain("H??Subject: [ref] e2e accepted", "{0}", control);
        headers.Should().ContainSingle(h => h.StartsWith("H??Subject:", StringComparison.Ordinal), "{0}", control);
        headers.Should().Contain($"H??X-Ref-Milter: ok i={queueId} {{mail_addr}}=alice@example.org {{rcpt_addr}}=bob@remote.example.net i={queueId}", "{0}", control);
        control.Split('\n').Should().Contain(["RPFD:<bcc@example.net>", "RPFD:<bob@remote.example.net>"], "{0}", control);
        data.Should().Be("replaced body\n", "REPLBODY replaced the body (Sendmail stores LF line ends)");
    }

    [Test]
    public async Task MailFrom_RejectAddress_ClientSeesTheFiltersText()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "reject@example.org", "--to", "bob@example.com", "--quit-after", "RCPT");

        smtp.ServerLines.Should().Contain("550 5.7.1 <reject@example.org>... Sender rejected by ref milter", "{0}", smtp);
    }

    [Test]
    public async Task RcptTo_BadRecipient_RejectedWithTextAndTheMessageGoesToTheOthers()
    {
        int queuedBefore = Rig.QueuedIds().Count;

        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com,badrcpt@example.com", "--header", "Subject: two rcpts");

        smtp.ServerLines.Should().ContainInOrder(
            ["250 2.1.5 <bob@example.com>... Recipient ok", "550 5.1.1 <badrcpt@example.com>... No such user here"], "{0}", smtp);
        smtp.AcceptedQueueId.Should().NotBeNull("the transaction continues after a recipient reject:\n{0}", smtp);
        string control = Rig.ReadQueued(smtp.AcceptedQueueId!).Control;
        string[] recipients = control.Split('\n').Where(l => l.StartsWith("RPFD:", StringComparison.Ordinal)).ToArray();
        recipients.Should().BeEquivalentTo(["RPFD:<bob@example.com>", "RPFD:<bcc@example.net>"], "the rejected recipient is not queued:\n{0}", control);
        Rig.QueuedIds().Should().HaveCount(queuedBefore + 1);
    }

    [Test]
    public async Task MailFrom_TempfailAddress_ClientSees451()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "tempfail@example.org", "--to", "bob@example.com", "--quit-after", "RCPT");

        smtp.ServerLines.Should().Contain("451 4.3.2 Please try again later", "a plain TEMPFAIL gets Sendmail's default text:\n{0}", smtp);
    }

    [Test]
    public async Task Connect_FromRejectExample_ClientSees554Greeting()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--local-interface", "127.0.0.6", "--from", "alice@example.org", "--to", "bob@example.com");

        smtp.ServerLines.Should().NotBeEmpty("{0}", smtp);
        smtp.ServerLines[0].Should().Be("554 mta.test.example ESMTP not accepting messages", "Sendmail shows its own banner for a connect reject:\n{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull();
    }

    [Test]
    public async Task EndOfData_MultilineReply_ReachesTheClientAsTwoLines()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com", "--header", "X-Ref-Action: multiline");

        smtp.ServerLines.Should().ContainInOrder(["354 End data with <CR><LF>.<CR><LF>", "550-5.7.1 first line", "550 5.7.1 second line"], "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull();
    }
}
