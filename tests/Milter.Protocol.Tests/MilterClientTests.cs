using System.IO.Pipelines;
using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Framing;
using Milter.Protocol.Responses;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>The client against a scripted milter that misbehaves on purpose.</summary>
public class MilterClientTests
{
    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private Pipe _toMilter = null!;
    private Pipe _toMta = null!;
    private MilterClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _toMilter = new Pipe();
        _toMta = new Pipe();
        _client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), new MilterClientOptions { ReadTimeout = TimeSpan.FromMilliseconds(500) });
    }

    [TearDown]
    public async Task TearDown() => await _client.DisposeAsync();

    /// <summary>Answers the next command the client writes with these frames (never before it is written).</summary>
    private Task MilterSays(params byte[][] frames) => Task.Run(async () =>
    {
        ReadResult read = await _toMilter.Reader.ReadAsync();
        _toMilter.Reader.AdvanceTo(read.Buffer.End);
        await _toMta.Writer.WriteAsync(Concat(frames));
    });

    private static byte[] Reply(char code, params byte[][] data) => Frame(code, data);

    private async Task NegotiatedAsync(uint actions = 0x1FF, uint steps = 0)
    {
        _ = MilterSays(Frame('O', U32(6), U32(actions), U32(steps)));
        await _client.NegotiateAsync(default);
    }

    [Test]
    public async Task ReplyAfterAbort_IsReportedAsAProtocolError()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('c'));
        await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        await _client.AbortAsync();
        await _toMta.Writer.WriteAsync(Reply('c')); // a milter that answers ABORT
        Func<Task> next = async () => await _client.MailAsync("<a@b>");
        (await next.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("no reply was due").And.Contain("ABORT");
    }

    [Test]
    public async Task NoAnswer_IsReportedAsATimeout()
    {
        await NegotiatedAsync();
        Func<Task> connect = async () => await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await connect.Should().ThrowAsync<MilterProtocolException>()).Which.Violation.Should().Be(ProtocolViolation.Timeout);
    }

    [Test]
    public async Task ProgressOutsideEndOfMessage_IsAnErrorForSendmail()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('p'), Reply('c'));
        Func<Task> connect = async () => await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await connect.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("PROGRESS");
    }

    [Test]
    public async Task ChangeBeforeEndOfMessage_IsAnError()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('h', Z("X"), Z("y")));
        Func<Task> connect = async () => await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await connect.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("only at end of message");
    }

    [Test]
    public async Task ChangeWithoutItsAction_IsAnError()
    {
        await NegotiatedAsync(actions: 0x01);
        _ = MilterSays(Reply('+', Z("<x@y>")), Reply('a'));
        Func<Task> eom = async () => await _client.EndOfMessageAsync();
        (await eom.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("AddRecipients");
    }

    [TestCase("250 2.1.5 fine")]
    [TestCase("55")]
    public async Task InvalidReplyCode_IsAnError(string text)
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('y', Z(text)));
        Func<Task> connect = async () => await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        (await connect.Should().ThrowAsync<MilterProtocolException>()).Which.Violation.Should().Be(ProtocolViolation.InvalidReply);
    }

    [Test]
    public async Task NegotiationAskingForMoreThanOffered_IsAnError()
    {
        _client.Options.OfferedActions = MilterActions.AddHeaders;
        _ = MilterSays(Frame('O', U32(6), U32(0x1FF), U32(0)));
        Func<Task> negotiate = () => _client.NegotiateAsync(default);
        (await negotiate.Should().ThrowAsync<MilterProtocolException>()).Which.Violation.Should().Be(ProtocolViolation.NegotiationFailed);
    }

    [Test]
    public async Task ProgressAtEndOfMessage_IsCountedAndDoesNotEndIt()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('p'), Reply('p'), Reply('h', Z("X"), Z("y")), Reply('a'));
        EndOfMessageResult result = await _client.EndOfMessageAsync();
        result.Reply.Code.Should().Be(MilterResponseCode.Accept);
        result.Reply.ProgressCount.Should().Be(2);
        result.Modifications.Should().ContainSingle();
    }

    [Test]
    public async Task ClosedConnection_InsteadOfAnAnswer_IsAnError()
    {
        await NegotiatedAsync();
        await _toMta.Writer.CompleteAsync();
        Func<Task> connect = async () => await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        await connect.Should().ThrowAsync<MilterProtocolException>();
    }

    [Test]
    public async Task SendmailFlavor_SendsAnEmptyMacroPacketBeforeHelo_LikeSendmail()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('c'));
        await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        var capture = new TaskCompletionSource<byte[]>();
        _ = Task.Run(async () =>
        {
            ReadResult r = await _toMilter.Reader.ReadAsync();
            capture.SetResult(System.Buffers.BuffersExtensions.ToArray(r.Buffer));
            _toMilter.Reader.AdvanceTo(r.Buffer.End);
            await _toMta.Writer.WriteAsync(Reply('c'));
        });
        await _client.HeloAsync("x");
        byte[] sent = await capture.Task;
        byte[] expectedTail = Concat(Frame('D', Raw("H")), Frame('H', Z("x")));
        sent.AsSpan()[^expectedTail.Length..].ToArray().Should().Equal(expectedTail);
    }

    [Test]
    public async Task ManyReplies_ReuseOneTimer_AndTheTimeoutStillFires()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('c'));
        await _client.ConnectAsync("h", IPAddress.Loopback, 1);
        for (int i = 0; i < 50; i++)
        {
            _ = MilterSays(Reply('c'));
            (await _client.HeaderAsync("X-N", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).IsContinue.Should().BeTrue();
        }

        Func<Task> unanswered = async () => await _client.HeaderAsync("X-Last", "v");
        (await unanswered.Should().ThrowAsync<MilterProtocolException>()).Which.Violation.Should().Be(ProtocolViolation.Timeout);
    }

    [Test]
    public async Task CallerCancellation_EndsAPendingRead_AsCancellationNotTimeout()
    {
        await using var client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), new MilterClientOptions { ReadTimeout = TimeSpan.FromSeconds(30) });
        _ = MilterSays(Frame('O', U32(6), U32(0x1FF), U32(0)));
        await client.NegotiateAsync(default);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Func<Task> connect = async () => await client.ConnectAsync("h", IPAddress.Loopback, 1, cancellationToken: cts.Token);
        await connect.Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task EndOfMessage_OverallLimit_IsNotExtendedByProgress()
    {
        var options = new MilterClientOptions { ReadTimeout = TimeSpan.FromSeconds(5), EndOfMessageTimeout = TimeSpan.FromMilliseconds(400) };
        await using var client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), options);
        _ = MilterSays(Frame('O', U32(6), U32(0x1FF), U32(0)));
        await client.NegotiateAsync(default);
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(50);
                await _toMta.Writer.WriteAsync(Reply('p'));
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Func<Task> eom = async () => await client.EndOfMessageAsync();
        (await eom.Should().ThrowAsync<MilterProtocolException>()).Which.Message.Should().Contain("overall limit");
        await stop.CancelAsync();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task RepliesInOneBuffer_AreEachParsedFromTheirOwnBytes()
    {
        await NegotiatedAsync();
        _ = MilterSays(Reply('y', Z("550 5.7.1 a much longer first reply text")));
        (await _client.MailAsync("<a@b>")).Text.Should().Be("550 5.7.1 a much longer first reply text");
        _ = MilterSays(Reply('h', Z("X-A"), Z("first value")), Reply('h', Z("X-B"), Z("2")), Reply('y', Z("451 4.3.0 later")));
        EndOfMessageResult result = await _client.EndOfMessageAsync();
        result.Modifications.Select(m => (m.Name, m.Value)).Should().Equal(("X-A", "first value"), ("X-B", "2"));
        result.Reply.Text.Should().Be("451 4.3.0 later");
    }
}
