using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Host.Leases;

/// <summary>
/// The embedded, durable lease table: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a lease is on disk
/// (the WAL fsynced) before <see cref="AddAsync"/> returns and survives a kill -9 or a power loss. Reads never touch
/// SQLite: the table is loaded into an <see cref="InMemoryLeaseStore"/> at start and every write goes to SQLite first,
/// then to that cache, so the RCPT path is one dictionary lookup. One process owns the file (share through Redis).
/// </summary>
internal sealed class SqliteLeaseStore : ILocalLeaseTable, IDisposable
{
    private const int SqliteCorrupt = 11; // SQLITE_CORRUPT

    private const int SqliteNotADatabase = 26; // SQLITE_NOTADB

    private readonly SqliteConnection _db;
    private readonly InMemoryLeaseStore _cache;
    private readonly TimeProvider _time;
    private readonly Lock _write = new(); // SqliteConnection is not thread-safe

    private SqliteLeaseStore(string path, SqliteConnection db, InMemoryLeaseStore cache, TimeProvider time)
    {
        Path = path;
        _db = db;
        _cache = cache;
        _time = time;
    }

    public string Path { get; }

    public int Count => _cache.Count;

    /// <summary>Opens (creating) the file and loads the unexpired leases; an unusable file is a <see cref="LeaseStoreException"/> naming it.</summary>
    public static SqliteLeaseStore Open(string path, TimeSpan ttl, int maxEntries, TimeProvider? time = null, Action<int>? onEvicted = null)
    {
        time ??= TimeProvider.System;
        path = System.IO.Path.GetFullPath(path);
        SqliteConnection? db = null;
        try
        {
            if (System.IO.Path.GetDirectoryName(path) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            db.Open();
            string mode = (string)Scalar(db, "PRAGMA journal_mode=WAL")!;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new LeaseStoreException($"lease store sqlite:{path}: cannot switch to WAL (journal_mode is {mode})");
            }

            Execute(db, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
            Execute(db, "CREATE TABLE IF NOT EXISTS leases (address TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL, source TEXT NOT NULL, user TEXT) WITHOUT ROWID");

            // A write at start: a read-only file or directory fails here, not at the first login.
            long now = time.GetUtcNow().ToUnixTimeMilliseconds();
            Execute(db, "DELETE FROM leases WHERE expires_ms <= $now", ("$now", now));
            int rows = (int)Math.Min(maxEntries, (long)Scalar(db, "SELECT COUNT(*) FROM leases")!);
            var cache = new InMemoryLeaseStore(time, ttl, maxEntries, onEvicted, rows);
            using (SqliteCommand select = db.CreateCommand())
            {
                select.CommandText = "SELECT address, expires_ms, source, user FROM leases ORDER BY expires_ms DESC LIMIT $max";
                select.Parameters.AddWithValue("$max", maxEntries);
                using SqliteDataReader reader = select.ExecuteReader();
                while (reader.Read())
                {
                    (ClientAddress key, DateTimeOffset expires, string source, string? user) = ReadRow(path, reader);
                    cache.Load(key, expires, source, user);
                }
            }

            return new SqliteLeaseStore(path, db, cache, time);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            db?.Dispose();
            throw new LeaseStoreException($"lease store sqlite:{path}: the file is damaged or not a lease database ({ex.Message}); move it aside to start with an empty table", ex);
        }
        catch (Exception ex) when (ex is not LeaseStoreException && ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            db?.Dispose();
            throw new LeaseStoreException($"lease store sqlite:{path}: cannot open for writing: {ex.Message}", ex);
        }
        catch
        {
            db?.Dispose();
            throw;
        }
    }

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) => _cache.CheckAsync(client, cancellationToken);

    public ValueTask<LeaseStatus> CheckAsync(ClientAddress client, CancellationToken cancellationToken) => _cache.CheckAsync(client, cancellationToken);

    /// <summary>
    /// Writes the lease, and deletes what the full table must drop for it, in one transaction; only once that is on
    /// disk does the cache drop them and take the lease. A failed write (disk full, I/O error) changes nothing.
    /// </summary>
    public ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        ClientAddress key = InMemoryLeaseStore.KeyOf(client);
        lock (_write)
        {
            DateTimeOffset expires = _time.GetUtcNow() + (ttl ?? _cache.Ttl);
            IReadOnlyList<ClientAddress> dropped = _cache.PlanRoomFor(key, out int evicted);
            try
            {
                using SqliteTransaction tx = _db.BeginTransaction();
                foreach (ClientAddress victim in dropped)
                {
                    Execute(_db, "DELETE FROM leases WHERE address = $a", ("$a", victim.ToString()));
                }

                Execute(_db, "INSERT INTO leases (address, expires_ms, source, user) VALUES ($a, $e, $s, $u) ON CONFLICT(address) DO UPDATE SET expires_ms = excluded.expires_ms, source = excluded.source, user = excluded.user",
                    ("$a", key.ToString()), ("$e", expires.ToUnixTimeMilliseconds()), ("$s", source), ("$u", (object?)user ?? DBNull.Value));
                tx.Commit(); // synchronous=FULL: the WAL is fsynced before Commit returns
            }
            catch (SqliteException ex)
            {
                throw new LeaseStoreException($"lease store sqlite:{Path}: {ex.Message}", ex);
            }

            _cache.Drop(dropped, evicted);
            return new ValueTask<Lease>(_cache.Set(key, expires, source, user));
        }
    }

    public ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        lock (_write)
        {
            try
            {
                Execute(_db, "DELETE FROM leases WHERE address = $a", ("$a", key.ToString()));
            }
            catch (SqliteException ex)
            {
                throw new LeaseStoreException($"lease store sqlite:{Path}: {ex.Message}", ex);
            }

            return new ValueTask<bool>(_cache.Remove(key));
        }
    }

    public ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken) => new(_cache.Get(ClientAddress.FromIPAddress(client)));

    public ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken) => new(_cache.List());

    /// <summary>Purges expired leases from the cache and the file; returns how many left the cache.</summary>
    public int Sweep()
    {
        lock (_write)
        {
            int removed = _cache.SweepKeys().Count;
            Execute(_db, "DELETE FROM leases WHERE expires_ms <= $now", ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds()));
            return removed;
        }
    }

    public void Dispose()
    {
        lock (_write)
        {
            _db.Dispose();
        }
    }

    /// <summary>One row as this store writes it, else a <see cref="LeaseStoreException"/> naming the file and the row.</summary>
    private static (ClientAddress Key, DateTimeOffset Expires, string Source, string? User) ReadRow(string path, SqliteDataReader reader)
    {
        string row = reader.IsDBNull(0) ? "address NULL"
            : reader.GetFieldType(0) == typeof(byte[]) ? "address BLOB"
            : $"address '{Printable(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture))}'";
        string? problem = null;
        ClientAddress key = default;
        long expiresMs = 0;
        if (reader.IsDBNull(0) || reader.GetFieldType(0) != typeof(string) || !ClientAddress.TryParse(reader.GetString(0), out key) || key.IsNone)
        {
            problem = "the address is not an IPv4 or IPv6 address";
        }
        else if (reader.IsDBNull(1) || reader.GetFieldType(1) != typeof(long) || (expiresMs = reader.GetInt64(1)) < 0 || expiresMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            problem = "expires_ms is not a time in Unix milliseconds";
        }
        else if (reader.IsDBNull(2) || reader.GetFieldType(2) != typeof(string) || reader.GetString(2).Length == 0)
        {
            problem = "source is not a word";
        }
        else if (!reader.IsDBNull(3) && reader.GetFieldType(3) != typeof(string))
        {
            problem = "user is not text";
        }

        if (problem is not null)
        {
            throw new LeaseStoreException($"lease store sqlite:{path}: bad row ({row}): {problem}; delete that row (sqlite3 {path}) or move the file aside");
        }

        return (key, DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    private static string Printable(string? text) =>
        text is null ? string.Empty : string.Concat(text.Take(100).Select(c => char.IsControl(c) ? '?' : c));

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using SqliteCommand command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection db, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = db.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
