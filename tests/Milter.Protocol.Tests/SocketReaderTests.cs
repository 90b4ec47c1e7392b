using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Reflection;
using FluentAssertions;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>
/// <see cref="SocketReader"/> on its own over loopback TCP, in both modes: waiting for data before taking an array
/// (the server; parked on epoll on Linux) and reading straight into one (the client). End of stream, pieces,
/// cancellation of a waiting read, and every pooled array going back.
/// </summary>
[Category("Sockets")]
[CancelAfter(20_000)]
public class SocketReaderTests
{
    private LoopbackPair _sockets = null!;

    private Socket Peer => _sockets.Peer;

    [SetUp]
    public async Task SetUp() => _sockets = await LoopbackPair.ConnectAsync();

    [TearDown]
    public void TearDown() => _sockets.Dispose();

    private SocketReader Reader(bool waitForData) => new(new ExistingSocket(_sockets.Local), waitForData, minimumReceiveSize: 2048);

    [TestCase(true)]
    [TestCase(false)]
    public async Task PeerClosingWithNothingSent_EndsAWaitingRead_AsCompletedAndEmpty(bool waitForData, CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData);
        ValueTask<ReadResult> pending = reader.ReadAsync(cancellationToken);
        Peer.Shutdown(SocketShutdown.Send);

        ReadResult result = await pending;
        result.IsCompleted.Should().BeTrue("a receive of zero bytes is the end of the stream");
        result.IsCanceled.Should().BeFalse();
        result.Buffer.IsEmpty.Should().BeTrue();
        reader.AdvanceTo(result.Buffer.End);

        reader.TryRead(out ReadResult again).Should().BeTrue("the end of the stream stays reported");
        again.IsCompleted.Should().BeTrue();
        reader.AdvanceTo(again.Buffer.End);
        reader.Complete();
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task PacketArrivingInPieces_IsReadAsOneContiguousSpan_PastTheFirstArray(bool waitForData, CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData);
        byte[] packet = new byte[10_000];
        new Random(7).NextBytes(packet);
        Task sending = Task.Run(async () =>
        {
            for (int at = 0; at < packet.Length; at += 500)
            {
                await Peer.SendAsync(packet.AsMemory(at, 500), SocketFlags.None, cancellationToken);
                await Task.Delay(2, cancellationToken);
            }
        }, cancellationToken);

        int reads = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            reads++;
            result.Buffer.IsSingleSegment.Should().BeTrue("the unread bytes are always one span");
            if (result.Buffer.Length == packet.Length)
            {
                result.Buffer.ToArray().Should().Equal(packet);
                reader.AdvanceTo(result.Buffer.End);
                break;
            }

            result.IsCompleted.Should().BeFalse();
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // nothing consumed: wait for more
        }

        await sending;
        reads.Should().BeGreaterThan(1, "the packet came in several receives");
        reader.Complete();
    }

    [Test]
    public async Task ParkedRead_CancelledByTheToken_Throws_AndTheNextReadStillGetsTheBytes(CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData: true);
        using var cancel = new CancellationTokenSource();
        ValueTask<ReadResult> pending = reader.ReadAsync(cancel.Token);
        pending.IsCompleted.Should().BeFalse("nothing was sent: the read waits");
        await cancel.CancelAsync();

        Func<Task> waiting = async () => await pending;
        await waiting.Should().ThrowAsync<OperationCanceledException>();

        await Peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, cancellationToken);
        ReadResult next = await reader.ReadAsync(cancellationToken);
        next.IsCanceled.Should().BeFalse();
        next.Buffer.ToArray().Should().Equal(1, 2, 3);
        reader.AdvanceTo(next.Buffer.End);
        reader.Complete();
    }

    [Test]
    public async Task Complete_WhileAReadIsParked_EndsThatRead(CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData: true);
        ValueTask<ReadResult> pending = reader.ReadAsync(cancellationToken);
        pending.IsCompleted.Should().BeFalse("nothing was sent: the read waits");
        reader.Complete(); // the transport disposed under an idle connection
        ReadResult result = await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        result.IsCanceled.Should().BeTrue();
    }

    [Test]
    public async Task WaitingReader_ReturnsItsArray_OnceEveryByteIsConsumed(CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData: true);
        await Peer.SendAsync(new byte[] { 1, 2, 3, 4 }, SocketFlags.None, cancellationToken);
        ReadResult result = await reader.ReadAsync(cancellationToken);
        byte[] array = PoolProbe.ArrayOf(result.Buffer.First);

        reader.AdvanceTo(result.Buffer.GetPosition(2));
        PoolProbe.WasJustReturned(array).Should().BeFalse("two bytes are still unread");

        ReadResult rest = await reader.ReadAsync(cancellationToken);
        rest.Buffer.ToArray().Should().Equal(3, 4);
        reader.AdvanceTo(rest.Buffer.End);
        PoolProbe.WasJustReturned(array).Should().BeTrue("an idle connection holds no array");
        reader.Complete();
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Complete_WithBytesUnread_ReturnsTheArray(bool waitForData, CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData);
        await Peer.SendAsync(new byte[] { 0, 0, 0, 9, (byte)'B' }, SocketFlags.None, cancellationToken); // half a packet
        ReadResult result = await reader.ReadAsync(cancellationToken);
        byte[] array = PoolProbe.ArrayOf(result.Buffer.First);
        reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);

        reader.Complete(); // the session aborts mid-packet
        PoolProbe.WasJustReturned(array).Should().BeTrue("an aborted connection leaves no array behind");
    }

    [Test]
    public async Task ClientReader_ReturnsAGrownArray_OnceConsumed(CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData: false);
        byte[] packet = new byte[20_000];
        Task sending = Peer.SendAsync(packet, SocketFlags.None, cancellationToken).AsTask();
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length == packet.Length)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        await sending;
        byte[] grown = PoolProbe.ArrayOf(result.Buffer.First);
        grown.Length.Should().BeGreaterThan(4096);
        reader.AdvanceTo(result.Buffer.End);
        PoolProbe.WasJustReturned(grown).Should().BeTrue("a client keeps its first array between replies, not a grown one");
        reader.Complete();
    }

    [Test]
    public async Task CompleteDuringAReceiveInFlight_KeepsTheArrayOutOfThePool_AndEndsTheReceive(CancellationToken cancellationToken)
    {
        SocketReader reader = Reader(waitForData: false); // the client's mode: the receive of the runtime's engine writes into the array
        ValueTask<ReadResult> pending = reader.ReadAsync(cancellationToken);
        byte[] receiving = (byte[])typeof(SocketReader).GetField("_buffer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(reader)!;

        reader.Complete();
        byte[] rented = ArrayPool<byte>.Shared.Rent(receiving.Length);
        try
        {
            rented.Should().NotBeSameAs(receiving, "the kernel may still write into the array of a receive in flight");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        Func<Task> read = async () => await pending;
        await read.Should().ThrowAsync<OperationCanceledException>("completing the reader ends its receive (which then gives the array back)");
    }
}
