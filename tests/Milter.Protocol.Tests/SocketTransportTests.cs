using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Protocol.Framing;
using Milter.Protocol.Transport;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>The socket transport over a real unix socket, with and without zero-byte reads.</summary>
[Category("Integration")]
public class SocketTransportTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("milter-transport-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    private static IEnumerable<TestCaseData> Modes()
    {
        yield return new TestCaseData(SocketTransportOptions.Server, SocketTransportOptions.Client).SetName("{m}_ServerReadsClientWrites");
        yield return new TestCaseData(SocketTransportOptions.Client, SocketTransportOptions.Server).SetName("{m}_ClientReadsServerWrites");
    }

    /// <summary>A connected pair: (reader side with <paramref name="readerOptions"/>, writer side).</summary>
    private async Task<(SocketTransport Reader, SocketTransport Writer)> ConnectAsync(SocketTransportOptions readerOptions, SocketTransportOptions writerOptions)
    {
        string path = Path.Combine(_directory, "s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        Task<SocketTransport> connecting = SocketTransport.ConnectAsync(MilterSocketSpec.Parse("unix:" + path), writerOptions, CancellationToken.None);
        Socket accepted = await listener.AcceptAsync();
        return (new SocketTransport(accepted, readerOptions), await connecting);
    }

    [TestCaseSource(nameof(Modes))]
    [CancelAfter(10_000)]
    public async Task LargeFrame_ArrivesWholeAndIntact(SocketTransportOptions readerOptions, SocketTransportOptions writerOptions, CancellationToken cancellationToken)
    {
        (SocketTransport reader, SocketTransport writer) = await ConnectAsync(readerOptions, writerOptions);
        await using (reader)
        await using (writer)
        {
            byte[] body = TestBytes.Pattern(ProtocolLimits.MaxDataSize1M);
            // Flushed while the other side reads: 1 MiB does not fit in the socket buffers.
            MilterFrameWriter.WriteFrame(writer.Output, (byte)'B', body);
            Task flushing = writer.Output.FlushAsync(cancellationToken).AsTask();

            while (true)
            {
                ReadResult result = await reader.Input.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (MilterFrameReader.TryReadFrame(ref buffer, ProtocolLimits.MaxDataSize1M, MilterFrameReader.IsCommandCode, out byte code, out ReadOnlySequence<byte> data))
                {
                    code.Should().Be((byte)'B');
                    data.ToArray().Should().Equal(body);
                    reader.Input.AdvanceTo(buffer.Start);
                    await flushing;
                    return;
                }

                reader.Input.AdvanceTo(buffer.Start, buffer.End);
                result.IsCompleted.Should().BeFalse("the frame must arrive before the end of stream");
            }
        }
    }

    [TestCaseSource(nameof(Modes))]
    [CancelAfter(20_000)]
    public async Task PartialWrites_ToASlowReader_DeliverEveryByteInOrder(SocketTransportOptions readerOptions, SocketTransportOptions writerOptions, CancellationToken cancellationToken)
    {
        (SocketTransport reader, SocketTransport writer) = await ConnectAsync(readerOptions, writerOptions);
        await using (reader)
        await using (writer)
        {
            // Far more than the socket buffers hold: the flush completes only through several partial sends.
            byte[] sent = TestBytes.Pattern(8 * 1024 * 1024);
            Task flushing = Task.Run(async () =>
            {
                FlushResult flushed = await writer.Output.WriteAsync(sent, cancellationToken);
                flushed.IsCompleted.Should().BeFalse();
            }, cancellationToken);

            var received = new byte[sent.Length];
            int at = 0;
            while (true)
            {
                ReadResult result = await reader.Input.ReadAsync(cancellationToken);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    segment.Span.CopyTo(received.AsSpan(at));
                    at += segment.Length;
                }

                reader.Input.AdvanceTo(result.Buffer.End);
                if (at == sent.Length || result.IsCompleted)
                {
                    break;
                }

                if (at < 512 * 1024)
                {
                    await Task.Delay(1, cancellationToken); // read slowly at first so the writer's sends stay partial
                }
            }

            await flushing;
            at.Should().Be(sent.Length);
            received.AsSpan().SequenceEqual(sent).Should().BeTrue();
        }
    }

    [TestCaseSource(nameof(Modes))]
    [CancelAfter(10_000)]
    public async Task PeerClose_EndsAPendingRead_AsCompleted(SocketTransportOptions readerOptions, SocketTransportOptions writerOptions, CancellationToken cancellationToken)
    {
        (SocketTransport reader, SocketTransport writer) = await ConnectAsync(readerOptions, writerOptions);
        await using (reader)
        {
            var half = new byte[10];
            BinaryPrimitives.WriteUInt32BigEndian(half, 100);
            half[4] = (byte)'B';
            await writer.Output.WriteAsync(half, cancellationToken);
            ValueTask<ReadResult> first = reader.Input.ReadAsync(cancellationToken);
            ReadResult partial = await first;
            partial.Buffer.Length.Should().BeGreaterThan(0);
            reader.Input.AdvanceTo(partial.Buffer.Start, partial.Buffer.End);

            ValueTask<ReadResult> pending = reader.Input.ReadAsync(cancellationToken);
            await writer.DisposeAsync();
            ReadResult result = await pending;
            result.IsCompleted.Should().BeTrue();
            result.Buffer.Length.Should().Be(10, "the half frame is still there for the session to call a truncated packet");
            reader.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [TestCaseSource(nameof(Modes))]
    [CancelAfter(10_000)]
    public async Task CancelPendingRead_WhileWaitingForData_ReturnsCanceled(SocketTransportOptions readerOptions, SocketTransportOptions writerOptions, CancellationToken cancellationToken)
    {
        (SocketTransport reader, SocketTransport writer) = await ConnectAsync(readerOptions, writerOptions);
        await using (reader)
        await using (writer)
        {
            ValueTask<ReadResult> pending = reader.Input.ReadAsync(cancellationToken);
            reader.Input.CancelPendingRead();
            ReadResult result = await pending;
            result.IsCanceled.Should().BeTrue();
            reader.Input.AdvanceTo(result.Buffer.End);

            await writer.Output.WriteAsync(new byte[] { 1, 2, 3 }, cancellationToken);
            ReadResult next = await reader.Input.ReadAsync(cancellationToken);
            next.Buffer.ToArray().Should().Equal(1, 2, 3);
            reader.Input.AdvanceTo(next.Buffer.End);
        }
    }
}
