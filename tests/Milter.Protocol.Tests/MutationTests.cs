using System.Buffers.Binary;
using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Tests.Support;
using Milter.Protocol.Transport;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

/// <summary>At least 100,000 random and mutated frames against a live server; it must keep serving and stay bounded.</summary>
[Category("Sockets")]
[NonParallelizable]
public class MutationTests
{
    private static readonly byte[][] ValidSession =
    [
        OptNeg(), Frame('D', Raw("C"), Z("j"), Z("mx")), Connect4(), Frame('D', Raw("H")), Frame('H', Z("client.example")),
        Frame('D', Raw("M"), Z("i"), Z("Q1")), Frame('M', Z("<a@example.org>"), Z("SIZE=10")), Frame('R', Z("<b@example.com>")),
        Frame('T'), Frame('L', Z("Subject"), Z("hi")), Frame('N'), Frame('B', Raw("body\r\n")), Frame('E'), Frame('A'),
        Frame('U', Z("XFOO")), Frame('K'), Frame('Q'),
    ];

    private static byte[] Mutate(Random random, byte[] frame)
    {
        byte[] copy = (byte[])frame.Clone();
        switch (random.Next(7))
        {
            case 0: // flip a byte
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            case 1: // truncate
                return copy[..random.Next(copy.Length)];
            case 2: // lie about the length
                BinaryPrimitives.WriteUInt32BigEndian(copy, (uint)random.Next(-5, 200_000));
                return copy;
            case 3: // random code
                copy[4] = (byte)random.Next(256);
                return copy;
            case 4: // pure garbage
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                return garbage;
            case 5: // drop the NULs
                return copy.Select(b => b == 0 ? (byte)'x' : b).ToArray();
            default: // valid frame, possibly out of order
                return copy;
        }
    }

    [Test]
    public async Task HundredThousandMutatedFrames_LeaveTheServerServingAndBounded()
    {
        var log = new ListLogger();
        await using var server = new MilterServer(new MilterServerOptions { Listen = "inet:0@127.0.0.1" }, () => new ScriptedHandler(), log);
        await server.StartAsync(default);
        var endpoint = (IPEndPoint)server.LocalEndPoint!;
        var random = new Random(20261129);
        int frames = 0;
        long memoryBefore = 0;

        for (int round = 0; frames < 100_000; round++)
        {
            var batch = new List<Task>();
            for (int c = 0; c < 50 && frames < 100_000; c++)
            {
                var bytes = new List<byte>();
                int count = random.Next(20, 80);
                for (int i = 0; i < count; i++)
                {
                    byte[] frame = ValidSession[random.Next(ValidSession.Length)];
                    bytes.AddRange(random.Next(4) == 0 ? frame : Mutate(random, frame));
                }

                frames += count;
                batch.Add(SendAndDrainAsync(endpoint, bytes.ToArray()));
            }

            await Task.WhenAll(batch);
            if (round == 3)
            {
                memoryBefore = Settled();
            }
        }

        frames.Should().BeGreaterThanOrEqualTo(100_000);
        await using (MilterClient client = await MilterClient.ConnectAsync(server.DescribeEndpoint(), null, default))
        {
            await client.NegotiateAsync(default);
            (await client.ConnectAsync("h", IPAddress.Loopback, 1)).IsContinue.Should().BeTrue();
            (await client.MailAsync("<a@b>")).IsContinue.Should().BeTrue();
            await client.QuitAsync();
        }

        (Settled() - memoryBefore).Should().BeLessThan(32L * 1024 * 1024, "memory stays bounded however many bad connections came");
        await WaitUntilAsync(() => server.ConnectionCount == 0);
        server.ConnectionCount.Should().Be(0, "no connection leaks");
        log.Entries.Should().NotContain(e => e.EventId == 1002, "no handler crashed");
    }

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    private static async Task SendAndDrainAsync(IPEndPoint endpoint, byte[] bytes)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(endpoint.Address, endpoint.Port);
        System.Net.Sockets.NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
            client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // the server closed on a violation while we were still writing: that is the expected outcome
        }
    }
}
