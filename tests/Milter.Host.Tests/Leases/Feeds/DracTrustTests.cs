using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// The DRAC listener trusts no more than rpc.dracd and the admin socket: adds only from a privileged source port
/// by default, a bounded rate of new leases per caller (so a flood cannot evict the others' leases), and refusals
/// logged at a bounded rate.
/// </summary>
[TestFixture]
public sealed class DracTrustTests
{
    private static readonly IPEndPoint Privileged = new(IPAddress.Loopback, 1001);
    private static readonly IPEndPoint Unprivileged = new(IPAddress.Loopback, 40001);
    private readonly FakeLogger _logger = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-29T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private DracRequestHandler Handler(ILeaseTable table, DracSettings settings, RefusalLog? refusals = null) =>
        new(table, () => DracAllowList.Parse("255.255.255.255 127.0.0.1\n", "dracd.allow"), settings, refusals ?? new RefusalLog(_logger, _time, RefusalLog.DefaultInterval), _logger, _time);

    private static async Task<uint> AddAsync(DracRequestHandler handler, IPEndPoint caller, string client, uint xid = 1)
    {
        byte[] reply = new byte[RpcReply.MaxLength];
        int length = await handler.HandleAsync(DracTestClient.AddV1(xid, client), caller, reply, default);
        return DracTestClient.Words(reply[..length])[^1];
    }

    [Test]
    public async Task AddFromAnUnprivilegedPort_IsRefusedByDefault_AddPerm_NoLease()
    {
        ILeaseTable table = new InMemoryLeaseStore();

        (await AddAsync(Handler(table, new DracSettings()), Unprivileged, "203.0.113.99")).Should().Be(DracTestClient.AddPerm);

        (await table.ListAsync(default)).Should().BeEmpty();
        _logger.LatestRecord.Message.Should().Be("drac caller=127.0.0.1:40001 sends from an unprivileged port (a local user can): ADD_PERM, no lease for 203.0.113.99");
    }

    [Test]
    public async Task AddFromAnUnprivilegedPort_IsAccepted_OnlyWhenTurnedOffExplicitly()
    {
        ILeaseTable table = new InMemoryLeaseStore();

        (await AddAsync(Handler(table, new DracSettings { RequirePrivilegedPort = false }), Unprivileged, "192.0.2.7")).Should().Be(DracTestClient.AddSuccess);
        (await AddAsync(Handler(table, new DracSettings()), Privileged, "192.0.2.8")).Should().Be(DracTestClient.AddSuccess);

        (await table.ListAsync(default)).Should().HaveCount(2);
    }

    [Test]
    public async Task FloodOfNewAddressesFromOneCaller_StopsAtItsRate_OtherSourcesLeasesSurvive_RefreshesAreFree()
    {
        ILeaseTable table = new InMemoryLeaseStore(_time, TimeSpan.FromMinutes(30), maxEntries: 100);
        await table.AddAsync(IPAddress.Parse("192.0.2.55"), "admin", "alice", null, default);
        DracRequestHandler handler = Handler(table, new DracSettings { NewLeasesPerMinute = 20 });
        (await AddAsync(handler, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 1002), "192.0.2.56")).Should().Be(DracTestClient.AddSuccess);

        var answers = new List<uint>();
        var flooder = new IPEndPoint(IPAddress.Loopback, 1003); // the same caller address, another port
        for (int i = 0; i < 1000; i++)
        {
            answers.Add(await AddAsync(handler, flooder, $"198.51.{i / 250}.{i % 250}", (uint)i));
        }

        answers.Count(a => a == DracTestClient.AddSuccess).Should().Be(19, "one minute's worth (20) per caller address, one used above");
        answers.Skip(19).Should().OnlyContain(a => a == 2u, "ADD_SYSERR once the caller's new leases are used up");
        (await table.CheckAsync(IPAddress.Parse("192.0.2.55"), default)).Should().Be(LeaseStatus.Leased, "the admin's lease was not evicted");
        (await table.CheckAsync(IPAddress.Parse("192.0.2.56"), default)).Should().Be(LeaseStatus.Leased);
        (await AddAsync(handler, flooder, "192.0.2.56")).Should().Be(DracTestClient.AddSuccess, "a refresh takes no token");

        _time.Advance(TimeSpan.FromMinutes(1));
        (await AddAsync(handler, flooder, "192.0.2.57")).Should().Be(DracTestClient.AddSuccess, "the bucket refills");
    }

    [Test]
    public async Task Refusals_FirstOfEachIntervalInFull_TheRestAsOneCountLine()
    {
        ILeaseTable table = new InMemoryLeaseStore();
        using var refusals = new RefusalLog(_logger, _time, TimeSpan.FromSeconds(60));
        DracRequestHandler handler = Handler(table, new DracSettings(), refusals);

        for (int i = 0; i < 1000; i++)
        {
            await AddAsync(handler, Unprivileged, "203.0.113.99", (uint)i);
        }

        _logger.Collector.Count.Should().Be(1, "one line, however many datagrams");
        _time.Advance(TimeSpan.FromSeconds(60));
        _logger.Collector.Count.Should().Be(2);
        _logger.LatestRecord.Message.Should().Be("drac: 999 more datagrams refused in the last 60 s (the first of each interval is logged in full, the rest only counted)");
        (await table.ListAsync(default)).Should().BeEmpty();
    }
}
