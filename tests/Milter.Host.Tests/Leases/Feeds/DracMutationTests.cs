using System.Buffers.Binary;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// Mutation fuzzing of DRAC datagrams (like the protocol's MutationTests): 100,000 mutated calls through the
/// handler, and mutated datagrams against the live UDP listener. No exception, every reply bounded and carrying the
/// call's xid, a lease only from a datagram that is a DRACPROC_ADD call answered ADD_SUCCESS, none at all from an
/// unprivileged port, and the listener keeps serving with a bounded log.
/// </summary>
[TestFixture]
public sealed class DracMutationTests
{
    private readonly ILeaseTable _table = new InMemoryLeaseStore();
    private readonly FakeLogger _logger = new();

    private static readonly byte[][] Valid =
    [
        DracTestClient.AddV1(1, "192.0.2.1"),
        DracTestClient.AddV1(2, "192.0.2.2", authSys: true),
        DracTestClient.AddV2(3, "2001:db8::3"),
        DracTestClient.Call(4, 900101, 1, 0, []),
        DracTestClient.Call(5, 900101, 3, 1, new byte[4]),
        DracTestClient.Call(6, 100000, 2, 3, new byte[16]),
    ];

    private static byte[] Mutate(Random random)
    {
        byte[] copy = (byte[])Valid[random.Next(Valid.Length)].Clone();
        switch (random.Next(8))
        {
            case 0: // flip bytes
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                return copy;
            case 1: // truncate
                return copy[..random.Next(copy.Length)];
            case 2: // a word set to an edge value (lengths, flavors, versions)
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(random.Next(copy.Length / 4) * 4), random.Next(4) switch { 0 => 0u, 1 => uint.MaxValue, 2 => 401u, _ => (uint)random.Next() });
                return copy;
            case 3: // garbage
                byte[] garbage = new byte[random.Next(0, 200)];
                random.NextBytes(garbage);
                return garbage;
            case 4: // trailing junk
                byte[] tail = new byte[random.Next(1, 100)];
                random.NextBytes(tail);
                return [.. copy, .. tail];
            case 5: // longer than any reply buffer
                return [.. copy, .. new byte[9000]];
            case 6: // two calls glued together
                return [.. copy, .. Valid[random.Next(Valid.Length)]];
            default:
                return copy;
        }
    }

    /// <summary>The call's header as a test-side decoder reads it: is it DRACPROC_ADD v1/v2 with RPC version 2?</summary>
    private static bool IsAddCall(byte[] datagram) =>
        datagram.Length >= 24
        && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(4)) == 0
        && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(8)) == 2
        && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(12)) == 900101
        && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(16)) is 1 or 2
        && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(20)) == 1;

    [Test]
    [CancelAfter(120_000)]
    public async Task HundredThousandMutatedDatagrams_NoCrash_BoundedReplies_LeasesOnlyFromAddCalls(CancellationToken cancellationToken)
    {
        var random = new Random(20261203);
        using var refusals = new RefusalLog(_logger, TimeProvider.System, RefusalLog.DefaultInterval);
        var handler = new DracRequestHandler(_table, () => DracAllowList.Parse("255.255.255.255 127.0.0.1\n", "dracd.allow"), new DracSettings { NewLeasesPerMinute = 0 }, refusals, _logger);
        var privileged = new IPEndPoint(IPAddress.Loopback, 1010);
        byte[] reply = new byte[RpcReply.MaxLength];
        int successes = 0;

        for (int i = 0; i < 100_000; i++)
        {
            byte[] datagram = Mutate(random);
            int length = await handler.HandleAsync(datagram, privileged, reply, cancellationToken);

            length.Should().BeInRange(0, RpcReply.MaxLength);
            if (length > 0)
            {
                reply.AsSpan(0, 4).SequenceEqual(datagram.AsSpan(0, 4)).Should().BeTrue("a reply carries the call's xid");
                bool success = length == 28 && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(24)) == DracRequestHandler.AddSuccess && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(20)) == 0;
                if (success && IsAddCall(datagram))
                {
                    successes++;
                }
            }
        }

        (await _table.ListAsync(cancellationToken)).Count.Should().BeLessThanOrEqualTo(successes, "every lease comes from an ADD call answered ADD_SUCCESS");
        _logger.Collector.GetSnapshot().Count(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Should().BeLessThan(5, "refusals are logged at a bounded rate");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task MutatedDatagramsFromAnUnprivilegedPort_AddNothing(CancellationToken cancellationToken)
    {
        var random = new Random(20261204);
        using var refusals = new RefusalLog(_logger, TimeProvider.System, RefusalLog.DefaultInterval);
        var handler = new DracRequestHandler(_table, () => DracAllowList.Default(), new DracSettings(), refusals, _logger);
        byte[] reply = new byte[RpcReply.MaxLength];

        for (int i = 0; i < 20_000; i++)
        {
            await handler.HandleAsync(Mutate(random), new IPEndPoint(IPAddress.Loopback, 1024 + random.Next(64_000)), reply, cancellationToken);
        }

        (await _table.ListAsync(cancellationToken)).Should().BeEmpty();
    }

    [Test]
    [CancelAfter(120_000)]
    [Category("Integration")]
    public async Task LiveListener_AfterThousandsOfMutatedDatagrams_StillAnswersAValidAdd(CancellationToken cancellationToken)
    {
        var random = new Random(20261205);
        var logger = new FakeLogger<DracFeedService>();
        var settings = new DracSettings { Listen = "127.0.0.1:0", RegisterWithPortmapper = false, RequirePrivilegedPort = false };
        using var service = new DracFeedService(settings, _table, logger);
        await service.StartAsync(cancellationToken);
        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            for (int i = 0; i < 5_000; i++)
            {
                await socket.SendToAsync(Mutate(random), System.Net.Sockets.SocketFlags.None, service.LocalEndpoint!, cancellationToken);
            }

            byte[]? answer = null;
            for (int attempt = 0; attempt < 20 && answer is null; attempt++)
            {
                answer = await DracTestClient.SendAsync(service.LocalEndpoint!, DracTestClient.AddV1(0xABCD, "192.0.2.250"), timeoutMilliseconds: 1000);
            }

            DracTestClient.Words(answer!)[^1].Should().Be(DracTestClient.AddSuccess);
            (await _table.CheckAsync(IPAddress.Parse("192.0.2.250"), cancellationToken)).Should().Be(LeaseStatus.Leased);
            logger.Collector.GetSnapshot().Count(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Should().BeLessThan(5);
        }
        finally
        {
            await service.StopAsync(cancellationToken);
        }
    }
}
