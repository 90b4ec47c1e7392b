using System.Buffers;
using System.Net;
using System.Text;
using FluentAssertions;
using Milter.Host.Admin;
using Milter.Host.Leases;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>The SQLite store, the admin protocol and the socketmap codec, in process (no milter).</summary>
public class LeaseStoreTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("milter-lease-store").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "sub", "leases.db");

    [Test]
    public async Task Sqlite_Reopened_HasTheLeases_InWalModeWithFullSync()
    {
        using (SqliteLeaseStore store = SqliteLeaseStore.Open(DbPath, TimeSpan.FromMinutes(30), 100))
        {
            await store.AddAsync(IPAddress.Parse("192.0.2.7"), "admin", "alice", null, default);
            await store.AddAsync(IPAddress.Parse("2001:db8::7"), "drac", null, null, default);
            await store.AddAsync(IPAddress.Parse("192.0.2.8"), "admin", null, TimeSpan.FromMilliseconds(1), default);
            (await store.RemoveAsync(IPAddress.Parse("2001:db8::7"), default)).Should().BeTrue();
        }

        await Task.Delay(10); // waits out the 1 ms lease's TTL: the behaviour under test
        using SqliteLeaseStore reopened = SqliteLeaseStore.Open(DbPath, TimeSpan.FromMinutes(30), 100);
        (await reopened.ListAsync(default)).Select(l => (l.Client.ToString(), l.User)).Should().Equal([("192.0.2.7", "alice")]);
        (await reopened.CheckAsync(IPAddress.Parse("::ffff:192.0.2.7"), default)).Should().Be(LeaseStatus.Leased);
        File.Exists(DbPath + "-wal").Should().BeTrue("journal_mode=WAL");
    }

    [Test]
    public async Task Sqlite_FullTable_EvictedLeasesLeaveTheFileToo()
    {
        using (SqliteLeaseStore store = SqliteLeaseStore.Open(DbPath, TimeSpan.FromMinutes(30), 2))
        {
            await store.AddAsync(IPAddress.Parse("192.0.2.1"), "admin", null, TimeSpan.FromMinutes(5), default);
            await store.AddAsync(IPAddress.Parse("192.0.2.2"), "admin", null, null, default);
            await store.AddAsync(IPAddress.Parse("192.0.2.3"), "admin", null, null, default);
        }

        using SqliteLeaseStore reopened = SqliteLeaseStore.Open(DbPath, TimeSpan.FromMinutes(30), 10);
        (await reopened.ListAsync(default)).Select(l => l.Client.ToString()).Should().BeEquivalentTo("192.0.2.2", "192.0.2.3");
    }

    [Test]
    public void Sqlite_Unwritable_ThrowsNamingThePath()
    {
        string file = Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "not a directory");
        string path = Path.Combine(file, "leases.db");
        Action open = () => SqliteLeaseStore.Open(path, TimeSpan.FromMinutes(30), 10);
        open.Should().Throw<LeaseStoreException>().WithMessage($"lease store sqlite:{path}: *");
    }

    [Test]
    public async Task AdminProtocol_Commands_AnswerLeaseLinesThenOkOrErr()
    {
        var table = new InMemoryLeaseStore();
        (await AdminProtocol.ExecuteAsync("ADD 192.0.2.7 90 alice", table, default)).Should().SatisfyRespectively(
            l => l.Should().MatchRegex(@"^LEASE 192\.0\.2\.7 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ admin alice$"),
            l => l.Should().Be("OK"));
        (await AdminProtocol.ExecuteAsync("SHOW ::ffff:192.0.2.7", table, default))[^1].Should().Be("OK");
        (await AdminProtocol.ExecuteAsync("LIST", table, default)).Should().HaveCount(2);
        (await AdminProtocol.ExecuteAsync("REMOVE 192.0.2.7", table, default)).Should().Equal("OK");
        (await AdminProtocol.ExecuteAsync("REMOVE 192.0.2.7", table, default)).Should().Equal("ERR no lease for 192.0.2.7");
        (await AdminProtocol.ExecuteAsync("ADD 1.2.3", table, default)).Should().Equal("ERR bad address '1.2.3'");
        (await AdminProtocol.ExecuteAsync("ADD 192.0.2.7 soon", table, default)).Should().Equal("ERR bad ttl 'soon'");
        (await AdminProtocol.ExecuteAsync("FLUSH", table, default))[0].Should().StartWith("ERR usage:");
    }

    [TestCase("14:drac 192.0.2.7,", "drac 192.0.2.7")]
    [TestCase("0:,", "")]
    public void Netstring_Complete_IsReadAndConsumed(string wire, string payload)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire + "5:extra,"));
        Netstring.TryRead(ref buffer, out string? read).Should().Be(OperationStatus.Done);
        read.Should().Be(payload);
        Encoding.ASCII.GetString(buffer).Should().Be("5:extra,");
    }

    [TestCase("")]
    [TestCase("14")]
    [TestCase("14:drac 192.0.2")]
    [TestCase("14:drac 192.0.2.7")]
    public void Netstring_EveryStrictPrefix_NeedsMoreAndConsumesNothing(string wire)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));
        Netstring.TryRead(ref buffer, out _).Should().Be(OperationStatus.NeedMoreData);
        buffer.Length.Should().Be(wire.Length);
    }

    [TestCase("x:abc,", TestName = "Netstring_NotADigit_IsInvalid")]
    [TestCase(":abc,", TestName = "Netstring_NoLength_IsInvalid")]
    [TestCase("3:abc;", TestName = "Netstring_NoComma_IsInvalid")]
    [TestCase("99999:", TestName = "Netstring_LongerThanMax_IsInvalidBeforeTheData")]
    [TestCase("4294967296:", TestName = "Netstring_4GiBLength_IsInvalid")]
    public void Netstring_Malformed_IsInvalid(string wire)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));
        Netstring.TryRead(ref buffer, out _).Should().Be(OperationStatus.InvalidData);
    }

    [TestCase("drac 192.0.2.7", "OK")]
    [TestCase("drac 2001:db8::7", "OK")]
    [TestCase("drac IPv6:2001:db8:0:0:0:0:0:7", "OK")]
    [TestCase("drac ipv6:2001:db8:0:0:0:0:0:7", "OK")]
    [TestCase("drac 2001:db8:0:0:0:0:0:7", "OK")]
    [TestCase("DRAC 192.0.2.7", "OK")]
    [TestCase("drac 192.0.2.8", "NOTFOUND ")]
    [TestCase("drac localhost", "NOTFOUND ")]
    [TestCase("access 192.0.2.7", "PERM unknown map access")]
    [TestCase("drac", "PERM malformed request (expected: map key)")]
    public async Task SocketMapResponder_KeyForms_AnswerAsFeatureDracExpects(string request, string answer)
    {
        var table = new InMemoryLeaseStore();
        table.Add(IPAddress.Parse("192.0.2.7"));
        table.Add(IPAddress.Parse("2001:db8::7"));
        string reply = await new SocketMapResponder(table, "drac").AnswerAsync(request, default);
        if (answer == "OK")
        {
            reply.Should().MatchRegex("^OK [0-9]+$");
        }
        else
        {
            reply.Should().Be(answer);
        }
    }

    [Test]
    public async Task SocketMapResponder_StoreDown_IsNotFound()
    {
        string reply = await new SocketMapResponder(new DownTable(), "drac").AnswerAsync("drac 192.0.2.7", default);
        reply.Should().Be("NOTFOUND ", "never TEMP: Sendmail's drac rules would take a TEMP as RELAY");
    }

    [TestCase("1800", 1800)]
    [TestCase("90s", 90)]
    [TestCase("30m", 1800)]
    [TestCase("2h", 7200)]
    [TestCase("1d", 86400)]
    [TestCase("00:30:00", 1800)]
    public void LeaseDuration_Forms_Parse(string text, int seconds)
    {
        LeaseDuration.TryParse(text, out TimeSpan value).Should().BeTrue();
        value.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [TestCase("")]
    [TestCase("0")]
    [TestCase("-5m")]
    [TestCase("5x")]
    [TestCase("m")]
    public void LeaseDuration_Bad_IsRefused(string text) => LeaseDuration.TryParse(text, out _).Should().BeFalse();

    private sealed class DownTable : ILeaseTable
    {
        public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => new(LeaseStatus.Unavailable);

        public ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken) => throw new LeaseStoreException("down");

        public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken) => throw new LeaseStoreException("down");

        public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => throw new LeaseStoreException("down");

        public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => throw new LeaseStoreException("down");
    }
}
