using System.Net;
using System.Text;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>Every command and response, client to server and back, over in-memory pipes.</summary>
public class MilterSessionRoundTripTests
{
    private static readonly KeyValuePair<string, string>[] ConnectMacros = [new("j", "mx.example.org"), new("{daemon_name}", "MTA")];

    [Test]
    public async Task EveryCommand_ReachesTheHandlerWithItsData()
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        (await c.Client.ConnectAsync("client.example", IPAddress.Parse("2001:db8::25"), 4242, ConnectMacros)).IsContinue.Should().BeTrue();
        (await c.Client.HeloAsync("helo.example")).IsContinue.Should().BeTrue();
        (await c.Client.UnknownAsync("XFOO bar")).IsContinue.Should().BeTrue();
        (await c.Client.MailAsync("<alice@example.org>", ["SIZE=100", "BODY=8BITMIME"])).IsContinue.Should().BeTrue();
        (await c.Client.RcptAsync("<bob@example.com>", ["NOTIFY=NEVER"])).IsContinue.Should().BeTrue();
        (await c.Client.DataAsync()).IsContinue.Should().BeTrue();
        (await c.Client.HeaderAsync("Subject", "hello\n\tworld")).IsContinue.Should().BeTrue();
        (await c.Client.EndOfHeadersAsync()).IsContinue.Should().BeTrue();
        (await c.Client.BodyAsync(new byte[70000])).IsContinue.Should().BeTrue();
        (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
        await c.Client.QuitAsync();
        await c.SessionTask;

        handler.Calls.Should().Equal(
            "CONNECT client.example 6 4242 IPv6:2001:db8::25 ip=2001:db8::25",
            "HELO helo.example",
            "UNKNOWN XFOO bar",
            "MAIL <alice@example.org> [SIZE=100,BODY=8BITMIME]",
            "RCPT <bob@example.com> [NOTIFY=NEVER]",
            "DATA",
            "HEADER Subject=hello\n\tworld",
            "EOH",
            "BODY 65535",
            "BODY 4465",
            "EOM",
            "CLOSE");
    }

    public static IEnumerable<TestCaseData> SimpleResponses()
    {
        yield return new TestCaseData(MilterResponse.Continue, MilterResponseCode.Continue, null);
        yield return new TestCaseData(MilterResponse.Accept, MilterResponseCode.Accept, null);
        yield return new TestCaseData(MilterResponse.Reject, MilterResponseCode.Reject, null);
        yield return new TestCaseData(MilterResponse.TempFail, MilterResponseCode.TempFail, null);
        yield return new TestCaseData(MilterResponse.Discard, MilterResponseCode.Discard, null);
        yield return new TestCaseData(MilterResponse.Reply("550", "5.7.1", "first line", "100% sure"), MilterResponseCode.ReplyCode,
            "550-5.7.1 first line\r\n550 5.7.1 100%% sure");
        yield return new TestCaseData(MilterResponse.Reply("451", null, "later"), MilterResponseCode.ReplyCode, "451 later");
    }

    [TestCaseSource(nameof(SimpleResponses))]
    public async Task MailResponse_ArrivesAtTheClientAsSent(MilterResponse response, MilterResponseCode code, string? text)
    {
        var handler = new ScriptedHandler();
        handler.Answers["MAIL"] = response;
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        MilterReply reply = await c.Client.MailAsync("<a@b>");
        reply.Code.Should().Be(code);
        reply.Text.Should().Be(text);
    }

    [Test]
    public async Task Skip_WhenNegotiated_ArrivesAsSkip()
    {
        var handler = new ScriptedHandler { Negotiation = MilterNegotiation.Default with { Skip = true } };
        handler.Answers["BODY"] = MilterResponse.Skip;
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.EndOfHeadersAsync();
        (await c.Client.BodyAsync(new byte[10])).Code.Should().Be(MilterResponseCode.Skip);
        (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task Skip_WhenNotNegotiated_IsSentAsContinue()
    {
        var handler = new ScriptedHandler();
        handler.Answers["BODY"] = MilterResponse.Skip;
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.EndOfHeadersAsync();
        (await c.Client.BodyAsync(new byte[10])).Code.Should().Be(MilterResponseCode.Continue);
    }

    [Test]
    public async Task Shutdown_ReachesAPostfixClient_AndASendmailClientCallsItAnError()
    {
        var handler = new ScriptedHandler();
        handler.Answers["HELO"] = MilterResponse.Shutdown;
        await using (var postfix = new InMemoryConnection(handler, new MilterClientOptions { Flavor = MtaFlavor.Postfix }))
        {
            await postfix.Client.NegotiateAsync(default);
            await postfix.Client.ConnectAsync("h", IPAddress.Loopback, 1);
            (await postfix.Client.HeloAsync("x")).Code.Should().Be(MilterResponseCode.Shutdown);
        }

        await using var sendmail = new InMemoryConnection(handler);
        await sendmail.Client.NegotiateAsync(default);
        await sendmail.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        Func<Task> helo = async () => await sendmail.Client.HeloAsync("x");
        (await helo.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("SHUTDOWN");
    }

    [Test]
    public async Task ConnectionFailure_IsRefusedByTheClient()
    {
        var handler = new ScriptedHandler();
        handler.Answers["HELO"] = MilterResponse.ConnectionFailure;
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        Func<Task> helo = async () => await c.Client.HeloAsync("x");
        (await helo.Should().ThrowAsync<MilterProtocolException>()).Which.Violation.Should().Be(ProtocolViolation.UnexpectedResponse);
    }

    [Test]
    public async Task EndOfMessage_EveryChange_ArrivesInOrderWithItsData()
    {
        var handler = new ScriptedHandler
        {
            OnEndOfMessageAsync = async ctx =>
            {
                ctx.AddHeader("X-Added", "one\r\n\ttwo");
                ctx.InsertHeader(0, "X-First", "top");
                ctx.ChangeHeader("Subject", 1, "[tag] hi");
                ctx.DeleteHeader("X-Old", 2);
                ctx.AddRecipient("<bcc@example.net>");
                ctx.AddRecipient("<par@example.net>", "NOTIFY=NEVER");
                ctx.DeleteRecipient("<bob@example.com>");
                ctx.ChangeSender("<new@example.org>", "RET=HDRS");
                ctx.ReplaceBody(new byte[70000]);
                ctx.Quarantine("held for review");
                await ctx.SendProgressAsync(default);
            },
        };
        handler.Answers["EOM"] = MilterResponse.Accept;
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<bob@example.com>");
        EndOfMessageResult result = await c.Client.EndOfMessageAsync();

        result.Reply.Code.Should().Be(MilterResponseCode.Accept);
        result.Reply.ProgressCount.Should().Be(1);
        result.Modifications.Select(m => (m.Code, m.Name, m.Value, m.Arguments, m.Index)).Should().Equal(
            (MilterResponseCode.AddHeader, "X-Added", "one\n\ttwo", null, 0u),
            (MilterResponseCode.InsertHeader, "X-First", "top", null, 0u),
            (MilterResponseCode.ChangeHeader, "Subject", "[tag] hi", null, 1u),
            (MilterResponseCode.ChangeHeader, "X-Old", "", null, 2u),
            (MilterResponseCode.AddRecipient, null, "<bcc@example.net>", null, 0u),
            (MilterResponseCode.AddRecipientWithArguments, null, "<par@example.net>", "NOTIFY=NEVER", 0u),
            (MilterResponseCode.DeleteRecipient, null, "<bob@example.com>", null, 0u),
            (MilterResponseCode.ChangeSender, null, "<new@example.org>", "RET=HDRS", 0u),
            (MilterResponseCode.ReplaceBody, null, null, null, 0u),
            (MilterResponseCode.ReplaceBody, null, null, null, 0u),
            (MilterResponseCode.Quarantine, null, "held for review", null, 0u));
        result.Modifications.Where(m => m.Code == MilterResponseCode.ReplaceBody).Select(m => m.Body.Length).Should().Equal(65535, 4465);
        result.ReplacementBody!.Length.Should().Be(70000);
    }

    [Test]
    public async Task HeaderValue_WithLeadingSpaceNegotiated_GetsTheSpaceTheMtaNoLongerAdds()
    {
        var handler = new ScriptedHandler
        {
            Negotiation = MilterNegotiation.Default with { HeaderLeadingSpace = true },
            OnEndOfMessage = ctx => ctx.AddHeader("X-A", "v"),
        };
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        (await c.Client.EndOfMessageAsync()).Modifications.Single().Value.Should().Be(" v");
    }

    [Test]
    public async Task Change_WithoutItsNegotiatedAction_IsRefusedWithAClearError()
    {
        InvalidOperationException? error = null;
        var handler = new ScriptedHandler
        {
            Negotiation = new MilterNegotiation { OptionalActions = MilterActions.AddHeaders },
            OnEndOfMessage = ctx =>
            {
                try
                {
                    ctx.AddRecipient("<x@y>");
                }
                catch (InvalidOperationException ex)
                {
                    error = ex;
                }
            },
        };
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        (await c.Client.EndOfMessageAsync()).Modifications.Should().BeEmpty();
        error.Should().NotBeNull();
        error!.Message.Should().Contain("AddRecipients").And.Contain("not negotiated");
    }

    [Test]
    public void Change_OutsideEndOfMessage_IsRefused()
    {
        var handler = new ScriptedHandler();
        var c = new InMemoryConnection(handler);
        Action add = () => c.Session.Context.AddHeader("X", "y");
        add.Should().Throw<InvalidOperationException>().WithMessage("*only at end of message*");
    }

    [Test]
    public async Task BodyEndOfMessage_CarryingData_IsDeliveredAsAFinalBodyChunk()
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.SendRawAsync(Frames.Frame('E', Frames.Raw("tail\r\n")));
        (await c.Client.ReadResponseAsync()).Code.Should().Be(MilterResponseCode.Continue);
        handler.Calls.TakeLast(2).Should().Equal("BODY 6", "EOM");
    }

    [Test]
    public async Task EightBitHeaderValue_RoundTripsByteForByte()
    {
        byte[] value = [0x63, 0x61, 0x66, 0xE9, 0xFF];
        string? seen = null;
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.HeaderAsync("Subject", Encoding.Latin1.GetString(value));
        seen = handler.Calls.Last();
        Encoding.Latin1.GetBytes(seen["HEADER Subject=".Length..]).Should().Equal(value);
    }
}
