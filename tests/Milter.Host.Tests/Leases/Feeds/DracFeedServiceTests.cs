using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>The UDP listener on a free loopback port, driven by the hand-written DRAC client from 127.0.0.1 and 127.0.0.2.</summary>
[TestFixture]
[Category("Integration")]
public sealed class DracFeedServiceTests
{
    private readonly ILeaseTable _table = new InMemoryLeaseStore();
    private string _dir = null!;
    private DracFeedService _service = null!;

    [SetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("drac-feed").FullName;
        string allow = Path.Combine(_dir, "dracd.allow");
        await File.WriteAllTextAsync(allow, "# only 127.0.0.1\n255.255.255.255 127.0.0.1\n");
        // the test client sends from unprivileged ports (DracTrustTests covers the default that refuses them)
        var settings = new DracSettings { Listen = "127.0.0.1:0", AllowFile = allow, RegisterWithPortmapper = false, RequirePrivilegedPort = false };
        _service = new DracFeedService(settings, _table, new FakeLogger<DracFeedService>());
        await _service.StartAsync(default);
    }

    [TearDown]
    public async Task Stop()
    {
        await _service.StopAsync(default);
        _service.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DracClient_V1AndV2_AddLeases()
    {
        byte[]? v1 = await DracTestClient.SendAsync(_service.LocalEndpoint!, DracTestClient.AddV1(0x1001, "192.0.2.30"));
        byte[]? v2 = await DracTestClient.SendAsync(_service.LocalEndpoint!, DracTestClient.AddV2(0x1002, "2001:db8::30"));

        DracTestClient.Words(v1!).Should().Equal(0x1001u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddSuccess);
        DracTestClient.Words(v2!).Should().Equal(0x1002u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddSuccess);
        (await _table.CheckAsync(IPAddress.Parse("192.0.2.30"), default)).Should().Be(LeaseStatus.Leased);
        (await _table.CheckAsync(IPAddress.Parse("2001:db8::30"), default)).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task CallerOutsideAllowFile_GetsAddPerm_NoLease()
    {
        byte[]? reply = await DracTestClient.SendAsync(_service.LocalEndpoint!, DracTestClient.AddV1(0x2001, "192.0.2.31"), from: "127.0.0.2");

        DracTestClient.Words(reply!).Should().Equal(0x2001u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddPerm);
        (await _table.ListAsync(default)).Should().BeEmpty();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task GarbageDatagram_NoReply_GarbageArgs_NothingAdded_ListenerKeepsServing()
    {
        (await DracTestClient.SendAsync(_service.LocalEndpoint!, [1, 2, 3], timeoutMilliseconds: 300)).Should().BeNull();
        byte[]? garbage = await DracTestClient.SendAsync(_service.LocalEndpoint!, DracTestClient.Call(0x3001, 900101, 2, 1, new byte[7]));
        DracTestClient.Words(garbage!).Should().Equal(0x3001u, 1u, 0u, 0u, 0u, 4u);
        (await _table.ListAsync(default)).Should().BeEmpty();

        byte[]? ok = await DracTestClient.SendAsync(_service.LocalEndpoint!, DracTestClient.AddV1(0x3002, "192.0.2.32"));
        DracTestClient.Words(ok!)[^1].Should().Be(DracTestClient.AddSuccess);
    }
}
