using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Host.Leases;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Benchmarks;

/// <summary>
/// The lease check on the RCPT path with the embedded store (issue 4: at most 1 µs): <see cref="SqliteLeaseStore"/>'s
/// cached read over 100,000 leases, half the checks hits, half misses, the address given as the IPAddress the policy holds.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LeaseBenchmarks
{
    private const int Batch = 100_000;
    private readonly IPAddress[] _clients = new IPAddress[Batch];
    private string _dir = null!;
    private SqliteLeaseStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("lease-bench").FullName;
        string path = Path.Combine(_dir, "leases.db");
        LeaseMemory.Seed(path, Batch);
        _store = SqliteLeaseStore.Open(path, TimeSpan.FromMinutes(30), InMemoryLeaseStore.DefaultMaxEntries);
        for (var i = 0; i < Batch; i++)
        {
            // even: a leased address; odd: not leased
            _clients[i] = i % 2 == 0 ? LeaseMemory.Address(i).ToIPAddress() : ClientAddress.FromIPv4(0xC0000000u + (uint)i).ToIPAddress();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Check_SqliteCached_100kLeases()
    {
        var leased = 0;
        foreach (var client in _clients)
        {
            var pending = _store.CheckAsync(client, default); // the cached path always completes synchronously
            leased += pending.IsCompletedSuccessfully && pending.Result == LeaseStatus.Leased ? 1 : 0;
        }

        return leased;
    }
}

/// <summary>
/// <c>leases-memory N</c>: N leases in a SQLite file, loaded into the cache as <c>milter run</c> does at start; prints
/// load time, managed heap and RSS. <c>redis-lease-latency PORT N</c>: N sequential Redis-backed checks, percentiles.
/// </summary>
internal static class LeaseMemory
{
    public static ClientAddress Address(int i) => i % 4 == 3
        ? ClientAddress.TryParse($"2001:db8:{i >> 16:x}::{i & 0xFFFF:x}", out var v6) ? v6 : default
        : ClientAddress.FromIPv4(0x0A000000u + (uint)i);

    public static void Seed(string path, int count)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using (var create = db.CreateCommand())
        {
            create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS leases (address TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL, source TEXT NOT NULL, user TEXT) WITHOUT ROWID";
            create.ExecuteNonQuery();
        }

        using var tx = db.BeginTransaction();
        using var insert = db.CreateCommand();
        insert.CommandText = "INSERT OR REPLACE INTO leases VALUES ($a, $e, $s, $u)";
        var a = insert.Parameters.Add("$a", SqliteType.Text);
        var e = insert.Parameters.Add("$e", SqliteType.Integer);
        var s = insert.Parameters.Add("$s", SqliteType.Text);
        var u = insert.Parameters.Add("$u", SqliteType.Text);
        long expires = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            a.Value = Address(i).ToString();
            e.Value = expires + i;
            s.Value = i % 3 == 0 ? "drac" : "dovecot";
            u.Value = $"user{i}@example.net";
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    public static int Run(string[] args)
    {
        if (args is ["leases-seed", var seedPath, var countText])
        {
            Seed(seedPath, int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }

        if (args is ["leases-memory", var path, var maxText])
        {
            var count = int.Parse(maxText, System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"before load: RSS {Rss()} MiB");
            long before = GC.GetTotalMemory(true);
            var clock = Stopwatch.StartNew();
            using var store = SqliteLeaseStore.Open(path, TimeSpan.FromMinutes(30), Math.Max(count, 1));
            var load = clock.Elapsed;
            long heap = GC.GetTotalMemory(true) - before;
            Console.WriteLine($"{store.Count} leases loaded in {load.TotalSeconds:0.00} s; managed heap +{heap / 1048576.0:0.0} MiB ({heap / Math.Max(1, store.Count)} B/lease); RSS {Rss()} MiB; file {new FileInfo(path).Length / 1048576.0:0.0} MiB");
            var probe = Address(count / 2).ToIPAddress();
            Console.WriteLine($"check {probe}: {store.CheckAsync(probe, default).AsTask().GetAwaiter().GetResult()}");
            return 0;
        }

        if (args is ["redis-lease-latency", var port, var samples])
        {
            using var store = new RedisLeaseStore($"127.0.0.1:{port}", new RedisLeaseSettings(), TimeSpan.FromMinutes(30), NullLogger.Instance);
            for (var i = 0; i < 1000; i++)
            {
                store.AddAsync(Address(i).ToIPAddress(), "bench", null, null, default).AsTask().GetAwaiter().GetResult();
            }

            var n = int.Parse(samples, System.Globalization.CultureInfo.InvariantCulture);
            var times = new double[n];
            for (var i = 0; i < n + 1000; i++)
            {
                var ip = Address(i % 2000).ToIPAddress(); // half hits, half misses
                var t = Stopwatch.GetTimestamp();
                var status = store.CheckAsync(ip, default).AsTask().GetAwaiter().GetResult();
                if (status == LeaseStatus.Unavailable)
                {
                    throw new InvalidOperationException("redis unavailable");
                }

                if (i >= 1000)
                {
                    times[i - 1000] = Stopwatch.GetElapsedTime(t).TotalMicroseconds; // first 1000: warm-up
                }
            }

            Array.Sort(times);
            Console.WriteLine($"redis lease check, {n} sequential on loopback: p50 {times[n / 2]:0} µs, p99 {times[(int)(n * 0.99)]:0} µs, p99.9 {times[(int)(n * 0.999)]:0} µs, max {times[^1]:0} µs");
            return 0;
        }

        Console.Error.WriteLine("usage: leases-seed FILE N | leases-memory FILE MAX | redis-lease-latency PORT N");
        return 2;
    }

    private static string Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return (long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return "?";
    }
}
