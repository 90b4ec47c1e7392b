using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>Connection state versus message state, and the commands that move between them.</summary>
public class MilterSessionStateTests
{
    [Test]
    public async Task SeveralMessages_KeepConnectionMacrosAndResetMessageMacros()
    {
        var handler = new ScriptedHandler { WatchMacros = ["j", "i"] };
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1, [new("j", "mx.example.org")]);
        for (int n = 1; n <= 2; n++)
        {
            await c.Client.MailAsync("<a@b>", macros: [new("i", "Q" + n)]);
            await c.Client.RcptAsync("<c@d>");
            (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
        }

        handler.Macros.Where(m => m.StartsWith("MAIL", StringComparison.Ordinal)).Should().Equal("MAIL:j=mx.example.org", "MAIL:i=Q1", "MAIL:j=mx.example.org", "MAIL:i=Q2");
        c.Session.Context.MessageCount.Should().Be(2);
    }

    [Test]
    public async Task Abort_InsideAMessage_CallsAbortAndAllowsANewMessage_AndKeepsMacros()
    {
        var handler = new ScriptedHandler { WatchMacros = ["i"] };
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>", macros: [new("i", "Q1")]);
        await c.Client.RcptAsync("<c@d>");
        await c.Client.AbortAsync();
        await c.Client.UnknownAsync("NOOP x");
        (await c.Client.MailAsync("<e@f>", macros: [])).IsContinue.Should().BeTrue();
        handler.Calls.Should().ContainInOrder("RCPT <c@d> []", "ABORT", "UNKNOWN NOOP x", "MAIL <e@f> []");
        handler.Macros.Should().Contain("UNKNOWN:i=Q1", "ABORT keeps macros");
    }

    [TestCase("after connect")]
    [TestCase("after helo")]
    [TestCase("after eom")]
    public async Task Abort_OutsideAMessage_IsIgnoredWithoutReplyOrCallback(string when)
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        if (when != "after connect")
        {
            await c.Client.HeloAsync("x");
        }

        if (when == "after eom")
        {
            await c.Client.MailAsync("<a@b>");
            await c.Client.RcptAsync("<c@d>");
            await c.Client.EndOfMessageAsync();
        }

        await c.Client.AbortAsync();
        await c.Client.AbortAsync();
        (await c.Client.HeloAsync("again")).IsContinue.Should().BeTrue("no stray reply to ABORT is waiting");
        handler.Calls.Should().NotContain("ABORT");
    }

    [Test]
    public async Task Mail_InsideAMessage_AbortsTheOldMessageFirst()
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.MailAsync("<e@f>");
        handler.Calls.Should().ContainInOrder("RCPT <c@d> []", "ABORT", "MAIL <e@f> []");
    }

    [Test]
    public async Task Helo_InsideAMessage_AbortsTheMessage()
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        (await c.Client.HeloAsync("again")).IsContinue.Should().BeTrue();
        handler.Calls.Should().ContainInOrder("MAIL <a@b> []", "ABORT", "HELO again");
    }

    [Test]
    public async Task RecipientReject_KeepsTheMessage_ButMailRejectEndsIt()
    {
        var handler = new ScriptedHandler();
        handler.Answers["RCPT <bad@x> []"] = MilterResponse.Reply("550", "5.1.1", "no");
        await using var c = new InMemoryConnection(handler);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        (await c.Client.RcptAsync("<bad@x>")).Code.Should().Be(MilterResponseCode.ReplyCode);
        (await c.Client.RcptAsync("<good@x>")).IsContinue.Should().BeTrue();
        (await c.Client.DataAsync()).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task QuitNewConnection_EndsTheSmtpSession_AndANewConnectFollows()
    {
        var handler = new ScriptedHandler { WatchMacros = ["j"] };
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("one", IPAddress.Parse("192.0.2.1"), 1, [new("j", "first")]);
        await c.Client.MailAsync("<a@b>");
        await c.Client.QuitNewConnectionAsync();
        (await c.Client.ConnectAsync("two", IPAddress.Parse("192.0.2.2"), 2, [])).IsContinue.Should().BeTrue();
        (await c.Client.HeloAsync("x")).IsContinue.Should().BeTrue();
        handler.Calls.Should().ContainInOrder("MAIL <a@b> []", "ABORT", "CLOSE", "CONNECT two 4 2 192.0.2.2 ip=192.0.2.2");
        handler.Macros.Should().Contain("CONNECT:j=(null)", "QUIT_NC forgets every macro");
        c.Session.Context.Connection!.Value.Hostname.Should().Be("two");
    }

    [TestCase("quit", "QUIT")]
    [TestCase("stop at quit_nc", "graceful stop at QUIT_NC")]
    [TestCase("idle stop", "graceful stop")]
    [TestCase("hang up", "end of stream")]
    public async Task SessionEnd_IsLoggedWithItsReason(string how, string reason)
    {
        var log = new ListLogger();
        await using var c = new InMemoryConnection(new ScriptedHandler(), logger: log);
        await c.OpenAsync();
        switch (how)
        {
            case "quit":
                await c.Client.QuitAsync();
                break;
            case "stop at quit_nc":
                c.Session.RequestStop();
                await c.Client.QuitNewConnectionAsync();
                break;
            case "idle stop":
                await c.Client.QuitNewConnectionAsync();
                await WaitUntil(() => c.Session.IsIdle);
                c.Session.RequestStop();
                break;
            default:
                await c.MtaSide.Output.CompleteAsync();
                break;
        }

        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5));
        log.Entries.Where(e => e.EventId == 1007).Select(e => e.Message).Should().Equal($"Milter connection test ended: {reason}");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }

    [TestCase("client.example")]
    [TestCase("")]
    public async Task Connection_IsNullUntilConnect_ThenHoldsTheClient_EvenWithAnEmptyHostname(string hostname)
    {
        await using var c = new InMemoryConnection(new ScriptedHandler());
        await c.Client.NegotiateAsync(default);
        c.Session.Context.Connection.Should().BeNull();
        (await c.Client.ConnectAsync(hostname, IPAddress.Parse("192.0.2.7"), 2525, [])).IsContinue.Should().BeTrue();
        c.Session.Context.Connection.Should().Be(new ConnectInfo(hostname, ConnectFamily.Inet, 2525, "192.0.2.7"));
    }

    [Test]
    public async Task NoReplySteps_AreNotAnswered_EvenWhenTheHandlerRejects()
    {
        var handler = new ScriptedHandler { Negotiation = MilterNegotiation.Default with { NoReply = MilterEvents.Header | MilterEvents.Helo } };
        handler.Answers["HEADER"] = MilterResponse.Reject;
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await c.Client.HeloAsync("x")).Kind.Should().Be(MilterReplyKind.NoReply);
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        (await c.Client.HeaderAsync("A", "b")).Kind.Should().Be(MilterReplyKind.NoReply);
        (await c.Client.EndOfHeadersAsync()).IsContinue.Should().BeTrue("the stream stays in step");
    }

    [Test]
    public async Task NegotiatedAwaySteps_AreNotSentByTheClient_AndMayBeSkippedInTheStateMachine()
    {
        var handler = new ScriptedHandler { Negotiation = MilterNegotiation.Default with { Events = MilterEvents.Connect | MilterEvents.Rcpt } };
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await c.Client.HeloAsync("x")).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.MailAsync("<a@b>")).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.RcptAsync("<c@d>")).IsContinue.Should().BeTrue();
        (await c.Client.EndOfHeadersAsync()).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
        handler.Calls.Should().Equal("CONNECT h 4 1 127.0.0.1 ip=127.0.0.1", "RCPT <c@d> []", "EOM");
    }

    [Test]
    public async Task NoConnect_Negotiated_LetsHeloFollowNegotiationDirectly()
    {
        var handler = new ScriptedHandler { Negotiation = MilterNegotiation.Default with { Events = MilterEvents.All & ~MilterEvents.Connect } };
        await using var c = new InMemoryConnection(handler);
        await c.Client.NegotiateAsync(default);
        (await c.Client.ConnectAsync("h", IPAddress.Loopback, 1)).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.HeloAsync("x")).IsContinue.Should().BeTrue();
    }

    [Test]
    public async Task PostfixFlavor_SendsMacrosBeforeHeadersAndBody_AndAbortAfterEveryMessage()
    {
        var handler = new ScriptedHandler { WatchMacros = ["i"] };
        var options = new MilterClientOptions { Flavor = MtaFlavor.Postfix };
        options.Macros['L'] = [new("i", "QL")];
        options.Macros['B'] = [new("i", "QB")];
        await using var c = new InMemoryConnection(handler, options);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        await c.Client.HeaderAsync("A", "b");
        await c.Client.EndOfHeadersAsync();
        await c.Client.BodyAsync(new byte[5]);
        (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
        (await c.Client.MailAsync("<second@b>")).IsContinue.Should().BeTrue();
        handler.Macros.Should().Contain("HEADER:i=QL").And.Contain("BODY:i=QB");
        handler.Calls.Should().NotContain("ABORT", "an ABORT after a completed message is a no-op, not a callback");
    }

    [Test]
    public async Task PostfixFlavor_WritesIPv6WithoutPrefix_SendmailWithPrefix()
    {
        foreach ((MtaFlavor flavor, string expected) in new[] { (MtaFlavor.Postfix, "2001:db8::1"), (MtaFlavor.Sendmail, "IPv6:2001:db8::1") })
        {
            var handler = new ScriptedHandler();
            await using var c = new InMemoryConnection(handler, new MilterClientOptions { Flavor = flavor });
            await c.Client.NegotiateAsync(default);
            await c.Client.ConnectAsync("h", IPAddress.Parse("2001:db8::1"), 25);
            handler.Calls.Single().Should().Be($"CONNECT h 6 25 {expected} ip=2001:db8::1");
        }
    }

    [Test]
    public async Task Version2Mta_GetsNoDataOrUnknown_AndTheSessionStillFlows()
    {
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler, new MilterClientOptions { Version = 2, OfferedActions = MilterActions.Version2, OfferedFlags = MilterProtocolFlags.Version2 });
        (await c.Client.NegotiateAsync(default)).Version.Should().Be(2);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        (await c.Client.DataAsync()).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.UnknownAsync("X")).Kind.Should().Be(MilterReplyKind.NotSent);
        (await c.Client.HeaderAsync("A", "b")).IsContinue.Should().BeTrue();
        (await c.Client.EndOfHeadersAsync()).IsContinue.Should().BeTrue();
        (await c.Client.EndOfMessageAsync()).Reply.IsContinue.Should().BeTrue();
    }
}
