using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// A real Postfix 3.7 (tests/e2e/postfix-rig.sh, <c>milter_default_action = tempfail</c>) in front of our reference
/// filter; swaks is the SMTP client and the tests assert what it sees: the milter's reply texts arrive as sent,
/// multi-line too, in Postfix's words where Postfix has its own (no <c>&lt;addr&gt;...</c> prefix as Sendmail adds).
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixTests : ReferenceFilterFixture<PostfixRig>
{
    protected override void RequireMta() => PostfixRig.RequireRunnable();

    protected override Task<PostfixRig> StartMtaAsync(string milterSpec) => PostfixRig.StartAsync(milterSpec);

    [Test]
    public async Task EndOfData_MultilineReply_ReachesTheClientAsTwoLines()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com", "--header", "X-Ref-Action: multiline");

        smtp.ServerLines.Should().ContainInOrder(["354 End data with <CR><LF>.<CR><LF>", "550-5.7.1 first line", "550 5.7.1 second line"], "{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }

    [Test]
    public async Task MailFrom_RejectAddress_ClientSeesTheFiltersText()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "reject@example.org", "--to", "bob@example.com", "--quit-after", "RCPT");

        smtp.ServerLines.Should().Contain("550 5.7.1 Sender rejected by ref milter", "{0}", smtp);
    }

    [Test]
    public async Task RcptTo_BadRecipient_RejectedWithText_AndTheMessageGoesToTheOthers()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com,badrcpt@example.com", "--header", "Subject: two rcpts");

        smtp.ServerLines.Should().ContainInOrder(["250 2.1.5 Ok", "550 5.1.1 No such user here"], "{0}", smtp);
        smtp.PostfixQueueId.Should().NotBeNull("the transaction continues after a recipient reject:\n{0}", smtp);
    }

    [Test]
    public async Task MailFrom_TempfailAddress_ClientSees451()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "tempfail@example.org", "--to", "bob@example.com", "--quit-after", "RCPT");

        smtp.ServerLines.Should().Contain("451 4.7.1 Service unavailable - try again later", "Postfix's text for a plain TEMPFAIL:\n{0}", smtp);
    }

    [Test]
    public async Task Connect_FromRejectExample_ClientSees554Greeting()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--local-interface", "127.0.0.6", "--from", "alice@example.org", "--to", "bob@example.com");

        smtp.ServerLines.Should().NotBeEmpty("{0}", smtp);
        smtp.ServerLines[0].Should().Be("554 mta.test.example ESMTP not accepting connections", "Postfix, like Sendmail, shows its own banner for a connect reject:\n{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }

    [Test]
    public async Task Message_Accepted_WithTheFiltersChangesApplied()
    {
        SwaksTranscript smtp = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@remote.example.net", "--header", "Subject: accepted");

        string? id = smtp.PostfixQueueId;
        id.Should().NotBeNull("{0}", smtp);
        string log = await WaitForLogAsync(id!, "removed");
        // the filter adds a recipient at end of message: Postfix's discard transport gets both
        log.Should().Contain($"{id}: to=<bob@remote.example.net>").And.Contain($"{id}: to=<bcc@example.net>", "{0}", log);
    }

    /// <summary>Postfix's log lines of <paramref name="queueId"/> once they contain <paramref name="marker"/> (or as they are after 10 s).</summary>
    private async Task<string> WaitForLogAsync(string queueId, string marker)
    {
        string Lines() => string.Join('\n', Rig.Log.Split('\n').Where(l => l.Contains(queueId, StringComparison.Ordinal)));
        await Eventually.HoldsAsync(() => Lines().Contains($"{queueId}: {marker}", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        return Lines();
    }
}
