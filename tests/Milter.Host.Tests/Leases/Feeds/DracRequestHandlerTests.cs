using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Drac;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

[TestFixture]
public sealed class DracRequestHandlerTests
{
    private static readonly IPEndPoint Allowed = new(IPAddress.Loopback, 1023);
    private static readonly IPEndPoint Stranger = new(IPAddress.Parse("192.0.2.99"), 1023);
    private readonly ILeaseTable _table = new InMemoryLeaseStore(ttl: TimeSpan.FromMinutes(30));
    private readonly FakeLogger _logger = new();

    private DracRequestHandler Handler(TimeSpan? ttl = null) =>
        new(_table, () => DracAllowList.Parse("255.255.255.255 127.0.0.1\n", "dracd.allow"), new DracSettings { Ttl = ttl is { } t ? $"{(int)t.TotalSeconds}s" : null }, new RefusalLog(_logger, TimeProvider.System, RefusalLog.DefaultInterval), _logger);

    private async Task<uint[]?> HandleAsync(byte[] datagram, IPEndPoint caller, TimeSpan? ttl = null)
    {
        byte[] reply = new byte[RpcReply.MaxLength];
        int length = await Handler(ttl).HandleAsync(datagram, caller, reply, CancellationToken.None);
        return length == 0 ? null : DracTestClient.Words(reply[..length]);
    }

    [Test]
    public async Task AddV1_FromAllowedCaller_AddsLease_AnswersAddSuccess()
    {
        uint[]? reply = await HandleAsync(DracTestClient.AddV1(7, "192.0.2.10"), Allowed);

        reply.Should().Equal(7u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddSuccess); // xid REPLY MSG_ACCEPTED verf(0,0) SUCCESS ADD_SUCCESS
        Lease? lease = await _table.GetAsync(IPAddress.Parse("192.0.2.10"), default);
        lease.Should().NotBeNull();
        lease!.Source.Should().Be("drac");
        _logger.Collector.GetSnapshot().Should().Contain(r => r.Message.StartsWith("lease added source=drac client=192.0.2.10 caller=127.0.0.1:1023", StringComparison.Ordinal));
    }

    [Test]
    public async Task AddV1_WithAuthSysCredential_IsAccepted()
    {
        uint[]? reply = await HandleAsync(DracTestClient.AddV1(8, "192.0.2.11", authSys: true), Allowed);

        reply![^1].Should().Be(DracTestClient.AddSuccess);
        (await _table.CheckAsync(IPAddress.Parse("192.0.2.11"), default)).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public async Task AddV2_Ipv6Address_AddsLease()
    {
        uint[]? reply = await HandleAsync(DracTestClient.AddV2(9, "2001:db8::fe"), Allowed);

        reply.Should().Equal(9u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddSuccess);
        (await _table.CheckAsync(IPAddress.Parse("2001:db8:0::fe"), default)).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public async Task AddV2_V4MappedAddress_LeasesTheIpv4Address()
    {
        await HandleAsync(DracTestClient.AddV2(9, "::ffff:192.0.2.12"), Allowed);

        (await _table.CheckAsync(IPAddress.Parse("192.0.2.12"), default)).Should().Be(LeaseStatus.Leased);
    }

    [Test]
    public async Task Add_ConfiguredTtl_IsTheLeaseLifetime()
    {
        await HandleAsync(DracTestClient.AddV1(1, "192.0.2.13"), Allowed, TimeSpan.FromMinutes(5));

        Lease lease = (await _table.GetAsync(IPAddress.Parse("192.0.2.13"), default))!;
        lease.Expires.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(5), TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Add_WithoutTtl_TakesTheTableDefault()
    {
        await HandleAsync(DracTestClient.AddV1(1, "192.0.2.14"), Allowed);

        Lease lease = (await _table.GetAsync(IPAddress.Parse("192.0.2.14"), default))!;
        lease.Expires.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(30), TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Add_FromCallerOutsideAllowFile_AnswersAddPerm_NoLease_Logged()
    {
        uint[]? reply = await HandleAsync(DracTestClient.AddV1(11, "192.0.2.20"), Stranger);

        reply.Should().Equal(11u, 1u, 0u, 0u, 0u, 0u, DracTestClient.AddPerm);
        (await _table.ListAsync(default)).Should().BeEmpty();
        _logger.LatestRecord.Message.Should().Be("drac caller=192.0.2.99:1023 not in the allow file: ADD_PERM, no lease for 192.0.2.20");
    }

    [TestCase(0, Description = "no arguments")]
    [TestCase(3, Description = "three of four bytes")]
    public async Task AddV1_ShortArguments_AnswersGarbageArgs_NothingAdded(int argumentBytes)
    {
        uint[]? reply = await HandleAsync(DracTestClient.Call(12, 900101, 1, 1, new byte[argumentBytes]), Allowed);

        reply.Should().Equal(12u, 1u, 0u, 0u, 0u, 4u); // GARBAGE_ARGS
        (await _table.ListAsync(default)).Should().BeEmpty();
        _logger.LatestRecord.Message.Should().Contain("refused: arguments of DRACPROC_ADD version 1 do not decode: answered GARBAGE_ARGS, nothing added");
    }

    [Test]
    public async Task AddV2_FifteenOfSixteenInts_AnswersGarbageArgs() =>
        (await HandleAsync(DracTestClient.Call(13, 900101, 2, 1, new byte[60]), Allowed)).Should().Equal(13u, 1u, 0u, 0u, 0u, 4u);

    [Test]
    public async Task OtherProgram_AnswersProgUnavail() =>
        (await HandleAsync(DracTestClient.Call(14, 100000, 2, 1, []), Allowed)).Should().Equal(14u, 1u, 0u, 0u, 0u, 1u);

    [Test]
    public async Task Version3_AnswersProgMismatch_OneToTwo() =>
        (await HandleAsync(DracTestClient.Call(15, 900101, 3, 1, new byte[4]), Allowed)).Should().Equal(15u, 1u, 0u, 0u, 0u, 2u, 1u, 2u);

    [Test]
    public async Task Procedure2_AnswersProcUnavail() =>
        (await HandleAsync(DracTestClient.Call(16, 900101, 1, 2, new byte[4]), Allowed)).Should().Equal(16u, 1u, 0u, 0u, 0u, 3u);

    [Test]
    public async Task NullProcedure_AnswersEmptySuccess_NothingAdded()
    {
        (await HandleAsync(DracTestClient.Call(17, 900101, 1, 0, []), Allowed)).Should().Equal(17u, 1u, 0u, 0u, 0u, 0u);
        (await _table.ListAsync(default)).Should().BeEmpty();
    }

    [Test]
    public async Task RpcVersion3_AnswersRpcMismatch() =>
        (await HandleAsync(DracTestClient.Call(18, 900101, 1, 1, new byte[4], rpcVersion: 3), Allowed)).Should().Equal(18u, 1u, 1u, 0u, 2u, 2u);

    [Test]
    public async Task UnknownCredentialFlavor_AnswersAuthRejectedCred_NothingAdded()
    {
        byte[] call = DracTestClient.AddV1(19, "192.0.2.21");
        call[27] = 3; // cred flavor AUTH_DH

        (await HandleAsync(call, Allowed)).Should().Equal(19u, 1u, 1u, 1u, 2u); // MSG_DENIED AUTH_ERROR AUTH_REJECTEDCRED
        (await _table.ListAsync(default)).Should().BeEmpty();
    }

    [Test]
    public async Task MalformedAuthSysBody_AnswersAuthBadCred()
    {
        byte[] call = DracTestClient.AddV1(20, "192.0.2.22", authSys: true);
        call[39] = 200; // machinename length beyond the credential body

        (await HandleAsync(call, Allowed)).Should().Equal(20u, 1u, 1u, 1u, 1u);
    }

    [TestCase("")]
    [TestCase("00000001")]
    [TestCase("0000000100000000000000020001")] // cut inside the header
    [TestCase("000000010000000100000002")] // a REPLY, not a CALL
    [TestCase("00000001000000000000000200092F25000000010000000100000000000001F4")] // credential length 500 > 400
    public async Task NotACall_NoReply_Logged_NothingAdded(string hex)
    {
        (await HandleAsync(Convert.FromHexString(hex), Allowed)).Should().BeNull();
        (await _table.ListAsync(default)).Should().BeEmpty();
        _logger.LatestRecord.Message.Should().Contain("is not an RPC call: dropped without reply");
    }

    [Test]
    public async Task StoreFails_AnswersAddSysErr_Logged()
    {
        var handler = new DracRequestHandler(new FailingTable(), () => DracAllowList.Default(), new DracSettings(), new RefusalLog(_logger, TimeProvider.System, RefusalLog.DefaultInterval), _logger);
        byte[] reply = new byte[RpcReply.MaxLength];

        int length = await handler.HandleAsync(DracTestClient.AddV1(21, "192.0.2.23"), Allowed, reply, default);

        DracTestClient.Words(reply[..length]).Should().Equal(21u, 1u, 0u, 0u, 0u, 0u, 2u); // ADD_SYSERR
        _logger.LatestRecord.Message.Should().Be("drac lease for 192.0.2.23 from 127.0.0.1:1023 not stored: disk full: ADD_SYSERR");
    }

    [Test]
    public async Task TrailingBytesAfterArguments_AreIgnored_AsXdrDoes() =>
        (await HandleAsync([.. DracTestClient.AddV1(22, "192.0.2.24"), 0, 0, 0, 0], Allowed))![^1].Should().Be(DracTestClient.AddSuccess);

    private sealed class FailingTable : ILeaseTable
    {
        public ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken) => throw new IOException("disk full");

        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => new(LeaseStatus.Unavailable);

        public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => new((Lease?)null);

        public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => new((IReadOnlyList<Lease>)[]);

        public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken) => new(false);
    }
}
