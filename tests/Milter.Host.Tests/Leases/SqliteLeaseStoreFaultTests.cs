using System.Diagnostics;
using System.Net;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using Milter.Host.Leases;
using Milter.Policy.Leases;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases;

/// <summary>
/// Issue 15 item 7: the SQLite lease store loses no lease to a failure (a full disk drops nothing from the table) and a
/// damaged file or row stops the start with one line naming the file and the row.
/// </summary>
[NonParallelizable]
public class SqliteLeaseStoreFaultTests
{
    private string _dir = string.Empty;
    private bool _mounted;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("milter-sqlite-fault").FullName;

    [TearDown]
    public void CleanUp()
    {
        if (_mounted)
        {
            Run("umount", _dir).Should().Be(0, "the test's tmpfs must be unmounted");
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string DbPath => Path.Combine(_dir, "leases.db");

    private static int Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    private static IPAddress Ip(int i) => IPAddress.Parse($"192.0.2.{i}");

    [Test]
    [CancelAfter(60_000)]
    public async Task FullDisk_AFailedAdd_EvictsNoLease_AndTheTableIsIntactOnDisk()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("mounting the tiny tmpfs that plays the full disk needs root (CI runs as root)");
        }

        _mounted = Run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", _dir) == 0;
        if (!_mounted)
        {
            Assert.Ignore("mount -t tmpfs failed (no CAP_SYS_ADMIN in this container)");
        }

        string user = new('u', 600); // rows that fill pages, so that every write needs new space in the WAL
        using (SqliteLeaseStore store = SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), maxEntries: 5))
        {
            for (int i = 1; i <= 5; i++)
            {
                await store.AddAsync(Ip(i), "admin", user + i, TimeSpan.FromMinutes(10 + i), default);
            }

            string filler = Path.Combine(_dir, "filler");
            FillUp(filler);

            // The table is full: this add would evict 192.0.2.1 (closest to expiry) to make room, but cannot be written.
            Func<Task> add = async () => await store.AddAsync(Ip(6), "admin", user, null, default);
            await add.Should().ThrowAsync<LeaseStoreException>().WithMessage($"lease store sqlite:{DbPath}: *");

            for (int i = 1; i <= 5; i++)
            {
                (await store.CheckAsync(Ip(i), default)).Should().Be(LeaseStatus.Leased, $"192.0.2.{i} must survive the failed add");
            }

            (await store.CheckAsync(Ip(6), default)).Should().Be(LeaseStatus.NotLeased);
            File.Delete(filler);
            await store.AddAsync(Ip(6), "admin", user, null, default); // room again: now the eviction is durable with it
            (await store.CheckAsync(Ip(1), default)).Should().Be(LeaseStatus.NotLeased);
        }

        using SqliteLeaseStore reopened = SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), maxEntries: 5);
        (await reopened.ListAsync(default)).Select(l => l.Client.ToString()).Should().BeEquivalentTo("192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6");
    }

    private static void FillUp(string path)
    {
        byte[] block = new byte[4096];
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full
        }
    }

    [Test]
    public void NotADatabase_IsOneLineNamingTheFile()
    {
        File.WriteAllText(DbPath, "this is not an SQLite database, but it is long enough to have a header of sixteen bytes and more");
        Action open = () => SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), 100);
        open.Should().Throw<LeaseStoreException>().Which.Message.Should()
            .StartWith($"lease store sqlite:{DbPath}: the file is damaged or not a lease database (").And.NotContain("\n");
    }

    [Test]
    public async Task DamagedPage_IsOneLineNamingTheFile()
    {
        using (SqliteLeaseStore store = SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), 10_000))
        {
            for (int i = 0; i < 400; i++)
            {
                await store.AddAsync(IPAddress.Parse($"198.51.{i / 250}.{i % 250}"), "admin", new string('x', 40), null, default);
            }
        }

        SqliteConnection.ClearAllPools();
        using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.Write))
        {
            file.Seek(4096 * 2, SeekOrigin.Begin); // the third page: a page of the table, garbled
            file.Write(Enumerable.Repeat((byte)0xA5, 4096).ToArray());
        }

        Action open = () => SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), 10_000);
        open.Should().Throw<LeaseStoreException>().Which.Message.Should()
            .StartWith($"lease store sqlite:{DbPath}: the file is damaged or not a lease database (").And.NotContain("\n");
    }

    [TestCase("'192.0.2.9'", "'soon'", "'admin'", "address '192.0.2.9'): expires_ms is not a time in Unix milliseconds")]
    [TestCase("'192.0.2.9'", "99999999999999999", "'admin'", "address '192.0.2.9'): expires_ms is not a time in Unix milliseconds")]
    [TestCase("'not an address'", "99999999999999", "'admin'", "address 'not an address'): the address is not an IPv4 or IPv6 address")]
    [TestCase("x'3139322e302e322e39'", "99999999999999", "'admin'", "address BLOB): the address is not an IPv4 or IPv6 address")]
    [TestCase("'192.0.2.9'", "99999999999999", "''", "address '192.0.2.9'): source is not a word")]
    public void BadRow_IsOneLineNamingTheFileAndTheRow(string address, string expires, string source, string problem)
    {
        CreateTableWith($"INSERT INTO leases VALUES ({address}, {expires}, {source}, NULL)");
        Action open = () => SqliteLeaseStore.Open(DbPath, TimeSpan.FromHours(1), 100);
        open.Should().Throw<LeaseStoreException>().Which.Message.Should().StartWith($"lease store sqlite:{DbPath}: bad row ({problem}").And.NotContain("\n");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_WithABadRow_ExitsOne_OneLine_NoStackTrace()
    {
        CreateTableWith("INSERT INTO leases VALUES ('192.0.2.9', 99999999999999999, 'admin', NULL)");
        var run = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", _dir, "--leases", "sqlite:" + DbPath);
        run.Exit.Should().Be(1, run.Err);
        run.Err.Trim().Should().Be($"milter run: lease store sqlite:{DbPath}: bad row (address '192.0.2.9'): expires_ms is not a time in Unix milliseconds; delete that row (sqlite3 {DbPath}) or move the file aside");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Run_WithADamagedFile_ExitsOne_OneLine_NoStackTrace()
    {
        await File.WriteAllBytesAsync(DbPath, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7))]);
        var run = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", _dir, "--leases", "sqlite:" + DbPath);
        run.Exit.Should().Be(1, run.Err);
        run.Err.Trim().Should().StartWith($"milter run: lease store sqlite:{DbPath}: the file is damaged or not a lease database (").And.NotContain("\n");
    }

    /// <summary>A lease file with the store's table and one row this store would never write.</summary>
    private void CreateTableWith(string insert)
    {
        using (var db = new SqliteConnection($"Data Source={DbPath};Pooling=false"))
        {
            db.Open();
            using SqliteCommand command = db.CreateCommand();
            command.CommandText = "CREATE TABLE leases (address TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL, source TEXT NOT NULL, user TEXT) WITHOUT ROWID; " + insert;
            command.ExecuteNonQuery();
        }
    }
}
