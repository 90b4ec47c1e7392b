using System.IO.Pipelines;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>
/// <see cref="SocketWriter"/> on its own over loopback TCP: a flush the socket takes at once, one that needs several
/// sends to a peer with a tiny receive buffer, a peer that never reads, a cancelled flush, a reset peer, and the
/// pooled array going back in every case.
/// </summary>
[Category("Sockets")]
[CancelAfter(30_000)]
public class SocketWriterTests
{
    private LoopbackPair? _sockets;

    [TearDown]
    public void TearDown() => _sockets?.Dispose();

    /// <summary>A writer on a fresh connection; <paramref name="tinyBuffers"/>: 4 KiB socket buffers on both sides.</summary>
    private async Task<(SocketWriter Writer, Socket Peer)> WriterAsync(TimeSpan writeTimeout, bool tinyBuffers = false)
    {
        _sockets = tinyBuffers
            ? await LoopbackPair.ConnectAsync(localSendBuffer: 4096, peerReceiveBuffer: 4096)
            : await LoopbackPair.ConnectAsync();
        return (new SocketWriter(new ExistingSocket(_sockets.Local), minimumBufferSize: 4096, writeTimeout), _sockets.Peer);
    }

    /// <summary>Writes <paramref name="bytes"/> into the writer in pieces, as the encoders do, and returns the array it gathered them in.</summary>
    private static byte[] Write(SocketWriter writer, byte[] bytes)
    {
        for (int at = 0; at < bytes.Length;)
        {
            Span<byte> span = writer.GetSpan();
            int count = Math.Min(span.Length, Math.Min(1000, bytes.Length - at));
            bytes.AsSpan(at, count).CopyTo(span);
            writer.Advance(count);
            at += count;
        }

        return PoolProbe.ArrayOf(writer.GetMemory());
    }

    [Test]
    public async Task FlushThatFits_IsSentAtOnce_AndTheArrayGoesBack(CancellationToken cancellationToken)
    {
        (SocketWriter writer, Socket peer) = await WriterAsync(TimeSpan.FromSeconds(5));
        byte[] reply = TestBytes.Pattern(100);
        byte[] array = Write(writer, reply);

        ValueTask<FlushResult> flush = writer.FlushAsync(cancellationToken);
        flush.IsCompletedSuccessfully.Should().BeTrue("100 bytes fit in the socket buffer: no waiting send");
        PoolProbe.WasJustReturned(array).Should().BeTrue("an idle connection holds no array between replies");
        writer.UnflushedBytes.Should().Be(0);

        var received = new byte[200];
        int count = await peer.ReceiveAsync(received, SocketFlags.None, cancellationToken);
        received[..count].Should().Equal(reply);
        writer.Complete();
    }

    [Test]
    public async Task FlushToAPeerWithATinyReceiveBuffer_TakesSeveralSends_AndDeliversEveryByteInOrder(CancellationToken cancellationToken)
    {
        (SocketWriter writer, Socket peer) = await WriterAsync(TimeSpan.FromSeconds(20), tinyBuffers: true);
        byte[] sent = TestBytes.Pattern(1024 * 1024);
        Write(writer, sent);

        ValueTask<FlushResult> flush = writer.FlushAsync(cancellationToken);
        flush.IsCompleted.Should().BeFalse("1 MiB does not fit in 4 KiB socket buffers: the rest waits for the peer");

        var received = new byte[sent.Length];
        int at = 0;
        while (at < received.Length)
        {
            int count = await peer.ReceiveAsync(received.AsMemory(at, Math.Min(4096, received.Length - at)), SocketFlags.None, cancellationToken);
            count.Should().BeGreaterThan(0, "the writer must not stop before the end");
            at += count;
        }

        FlushResult flushed = await flush;
        flushed.IsCompleted.Should().BeFalse();
        writer.UnflushedBytes.Should().Be(0);
        received.AsSpan().SequenceEqual(sent).Should().BeTrue("the pieces arrive whole and in order");

        _sockets!.Local.Shutdown(SocketShutdown.Send);
        (await peer.ReceiveAsync(new byte[16], SocketFlags.None, cancellationToken)).Should().Be(0, "nothing was sent twice");
        writer.Complete();
    }

    [Test]
    public async Task FlushToAPeerThatNeverReads_FailsAtTheWriteTimeout_AndCompleteReturnsTheArray(CancellationToken cancellationToken)
    {
        (SocketWriter writer, Socket peer) = await WriterAsync(TimeSpan.FromMilliseconds(300), tinyBuffers: true);
        byte[] array = Write(writer, TestBytes.Pattern(1024 * 1024));

        Func<Task> flush = async () => await writer.FlushAsync(cancellationToken);
        (await flush.Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("has not read");

        writer.Complete(); // the session gives the connection up
        PoolProbe.WasJustReturned(array).Should().BeTrue("a connection given up leaves no array behind");
    }

    [Test]
    public async Task FlushCancelledWhileThePeerDoesNotRead_IsCancelled_NotATimeout(CancellationToken cancellationToken)
    {
        (SocketWriter writer, Socket peer) = await WriterAsync(Timeout.InfiniteTimeSpan, tinyBuffers: true);
        Write(writer, TestBytes.Pattern(1024 * 1024));
        using var cancel = new CancellationTokenSource();
        ValueTask<FlushResult> flush = writer.FlushAsync(cancel.Token);
        flush.IsCompleted.Should().BeFalse();

        await cancel.CancelAsync();
        Func<Task> waiting = async () => await flush;
        await waiting.Should().ThrowAsync<OperationCanceledException>();
        writer.Complete();
    }

    [Test]
    public async Task FlushToAPeerThatReset_FailsWithIOException(CancellationToken cancellationToken)
    {
        (SocketWriter writer, Socket peer) = await WriterAsync(TimeSpan.FromSeconds(5));
        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // RST
        await Task.Yield();

        Func<Task> flushes = async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                Write(writer, TestBytes.Pattern(100));
                await writer.FlushAsync(cancellationToken); // the first may still be taken before the reset is seen
                await Task.Delay(10, cancellationToken);
            }
        };
        await flushes.Should().ThrowAsync<IOException>();
        writer.Complete();
    }
}
