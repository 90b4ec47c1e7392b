using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>Bad input closes that one connection with one log line naming the reason; nothing is answered to bytes that could not be parsed.</summary>
public class MalformedInputTests
{
    private static readonly byte[] Open = Concat(OptNeg(), Connect4(), Frame('H', Z("x")));

    public static IEnumerable<TestCaseData> BadInputs()
    {
        yield return new TestCaseData(Concat(U32(0), Connect4()), ProtocolViolation.ZeroLength, "").SetName("ZeroLength_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('M', Z("<a@b>")), Frame('R', Z("<c@d>")), Frame('B', new byte[65536])), ProtocolViolation.FrameTooLarge, "Occcc").SetName("BodyOverMaximum_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, U32(0xFFFFFFFF)), ProtocolViolation.FrameTooLarge, "Occ").SetName("FourGigabyteLength_ClosesWithoutAllocating");
        yield return new TestCaseData(Concat(Open, Frame('Z', Raw("junk"))), ProtocolViolation.UnknownCode, "Occ").SetName("UnknownCommand_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('M', Z("<a@b>")), Frame('R', Z("<c@d>")), Frame('L', Z("Subject"), Raw("abc"))), ProtocolViolation.MissingNul, "Occcc").SetName("HeaderWithoutNul_ClosesTheConnection");
        yield return new TestCaseData(Concat(OptNeg(), Frame('C', Z("h"), Raw("4"), new byte[] { 0 })), ProtocolViolation.Truncated, "O").SetName("TruncatedConnect_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('B', Raw("x"))), ProtocolViolation.OutOfOrder, "Occ").SetName("BodyBeforeMail_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('M', Z("<a@b>")), Frame('R', Z("<c@d>")), Frame('T'), Frame('L', Z("A"), Z("b")), Frame('E')), ProtocolViolation.OutOfOrder, "Occcccc").SetName("EndOfMessageWithoutEndOfHeaders_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('M', Z("<a@b>")), Frame('R', Z("<c@d>")), Frame('T'), Frame('R', Z("<e@f>"))), ProtocolViolation.OutOfOrder, "Occccc").SetName("RcptAfterData_ClosesTheConnection");
        yield return new TestCaseData(Concat(Connect4()), ProtocolViolation.OutOfOrder, "").SetName("ConnectBeforeNegotiation_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, OptNeg()), ProtocolViolation.OutOfOrder, "Occ").SetName("SecondNegotiation_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Connect4()), ProtocolViolation.OutOfOrder, "Occ").SetName("SecondConnectWithoutQuitNc_ClosesTheConnection");
        yield return new TestCaseData(Concat(OptNeg(1)), ProtocolViolation.NegotiationFailed, "").SetName("VersionOneMta_ClosesTheConnection");
        yield return new TestCaseData(Raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ProtocolViolation.FrameTooLarge, "").SetName("HttpGarbage_ClosesTheConnection");
        yield return new TestCaseData(Concat(Open, Frame('M', Z("<a@b>"))[..7]), ProtocolViolation.EndOfStreamMidFrame, "Occ").SetName("EndOfStreamMidFrame_ClosesTheConnection");
    }

    [TestCaseSource(nameof(BadInputs))]
    public async Task BadInput(byte[] bytes, ProtocolViolation violation, string replies)
    {
        var log = new ListLogger();
        var handler = new ScriptedHandler();
        await using var c = new InMemoryConnection(handler, logger: log);
        await c.MtaSide.Output.WriteAsync(bytes);
        await c.MtaSide.Output.CompleteAsync();
        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5));

        log.Entries.Where(e => e.EventId == 1000).Should().ContainSingle()
            .Which.Message.Should().Contain(violation.ToString());
        c.Session.Context.InEndOfMessage.Should().BeFalse();
        (await ReplyCodes.ReadToEndAsync(c.MtaSide.Input)).Should().Be(replies, "the packets before the bad one are answered and nothing after it: the MTA sees the connection close");
    }

    [Test]
    public async Task PeerStallingMidFrame_IsClosedAfterTheFrameTimeout()
    {
        var log = new ListLogger();
        await using var c = new InMemoryConnection(new ScriptedHandler(), sessionOptions: new MilterSessionOptions { FrameTimeout = TimeSpan.FromMilliseconds(200) }, logger: log);
        await c.MtaSide.Output.WriteAsync(OptNeg().AsMemory(0, 7));
        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5));
        log.Warnings.Should().ContainSingle().Which.Should().Contain("Timeout").And.Contain("mid-packet");
        (await ReplyCodes.ReadToEndAsync(c.MtaSide.Input)).Should().BeEmpty("a stalled packet is not answered");
    }

    /// <summary>A byte every 100 ms used to restart the frame timer at each read, keeping a packet open for as long as it trickled.</summary>
    [Test]
    public async Task PeerTricklingAPacket_IsClosedAtTheFrameTimeoutCountedFromItsFirstByte()
    {
        var log = new ListLogger();
        await using var c = new InMemoryConnection(new ScriptedHandler(), sessionOptions: new MilterSessionOptions { FrameTimeout = TimeSpan.FromMilliseconds(600) }, logger: log);
        byte[] packet = Frame('O', new byte[40]);
        int written = 0;
        Task trickle = Task.Run(async () =>
        {
            foreach (byte b in packet)
            {
                if ((await c.MtaSide.Output.WriteAsync(new[] { b })).IsCompleted)
                {
                    return;
                }

                written++;
                await Task.Delay(100);
            }
        });

        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30));
        written.Should().BeLessThan(packet.Length, "the packet's time ran out while it was still trickling in");
        log.Warnings.Should().ContainSingle().Which.Should().Contain("Timeout").And.Contain("after its first byte");
        (await ReplyCodes.ReadToEndAsync(c.MtaSide.Input)).Should().BeEmpty("a trickled packet is not answered");
        await trickle;
    }

    [Test]
    public async Task SilentPeer_IsClosedAfterTheIdleTimeout()
    {
        var log = new ListLogger();
        await using var c = new InMemoryConnection(new ScriptedHandler(), sessionOptions: new MilterSessionOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }, logger: log);
        await c.Client.NegotiateAsync(default);
        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5));
        log.Warnings.Should().ContainSingle().Which.Should().Contain("no packet");
        (await ReplyCodes.ReadToEndAsync(c.MtaSide.Input)).Should().BeEmpty("after the negotiation reply the idle connection is closed unanswered");
    }

    [Test]
    public async Task SlowHandler_ClosesTheConnectionAfterTheHandlerTimeout_AndCallsClose()
    {
        var log = new ListLogger();
        var handler = new ScriptedHandler { Delay = call => call.StartsWith("MAIL", StringComparison.Ordinal) ? Task.Delay(5000) : Task.CompletedTask };
        await using var c = new InMemoryConnection(handler, sessionOptions: new MilterSessionOptions { HandlerTimeout = TimeSpan.FromMilliseconds(200) }, logger: log);
        await c.OpenAsync();
        Func<Task> mail = async () => await c.Client.MailAsync("<a@b>");
        await mail.Should().ThrowAsync<MilterProtocolException>();
        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5));
        log.Warnings.Should().ContainSingle().Which.Should().Contain("did not answer Mail");
        handler.Calls.Should().EndWith(["ABORT", "CLOSE"]);
    }

    [Test]
    public async Task ThrowingHandler_ClosesTheConnectionWithAnErrorLine()
    {
        var log = new ListLogger();
        var handler = new ScriptedHandler { Delay = call => call.StartsWith("HELO", StringComparison.Ordinal) ? throw new InvalidOperationException("boom") : Task.CompletedTask };
        await using var c = new InMemoryConnection(handler, logger: log);
        await c.Client.NegotiateAsync(default);
        await c.Client.ConnectAsync("h", IPAddress.Loopback, 1);
        Func<Task> helo = async () => await c.Client.HeloAsync("x");
        await helo.Should().ThrowAsync<MilterProtocolException>();
        log.Entries.Should().Contain(e => e.EventId == 1002 && e.Message.Contains("Helo", StringComparison.Ordinal));
    }

    [Test]
    public async Task MacroPackets_AreNeverAnswered_EvenEmptyOrForUnknownStages()
    {
        await using var c = new InMemoryConnection(new ScriptedHandler());
        await c.OpenAsync();
        await c.Client.SendMacrosAsync('H', []);
        await c.Client.SendMacrosAsync('L', [new("i", "x")]);
        await c.Client.SendMacrosAsync('Z', [new("x", "y")]);
        (await c.Client.MailAsync("<a@b>")).IsContinue.Should().BeTrue("no reply to MACRO is in the way");
    }

    private sealed class SynchronouslyThrowingHandler : Milter.Protocol.Session.IMilterHandler
    {
        public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("thrown before any await");
    }

    [Test]
    public async Task HandlerThrowingSynchronously_IsLoggedAtItsCommand_AndTheSessionEndsCleanly()
    {
        var log = new ListLogger();
        await using var c = new InMemoryConnection(new SynchronouslyThrowingHandler(), logger: log);
        await c.OpenAsync();
        await c.Client.MailAsync("<a@b>");
        await c.Client.RcptAsync("<c@d>");
        Func<Task> eom = () => c.Client.EndOfMessageAsync();
        await eom.Should().ThrowAsync<MilterProtocolException>();
        await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(5)); // completes, does not throw
        log.Entries.Should().Contain(e => e.EventId == 1002 && e.Message.Contains("EndOfMessage", StringComparison.Ordinal));
    }
}
