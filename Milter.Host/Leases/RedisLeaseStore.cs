using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;
using Milter.Policy.Model;
using StackExchange.Redis;

namespace Milter.Host.Leases;

/// <summary>
/// The shared lease table: one Redis string per lease, <c>{KeyPrefix}:lease:{address}</c> (dotted quad or uncompressed
/// <c>IPv6:</c> form) = <c>{expiry unix ms} {source} {user}</c>, with <c>PX</c> = the TTL so that Redis expires it
/// itself; the expiry in the value is checked on read too. Every milter on the same Redis sees every lease. Redis not
/// answering: <see cref="CheckAsync"/> answers <see cref="LeaseStatus.Unavailable"/> (the relay decision then says
/// 451 4.3.0 when it needed the lease), writes throw <see cref="LeaseStoreException"/>; one log line when an outage
/// starts and one when it ends.
/// </summary>
internal sealed partial class RedisLeaseStore : ILeaseTable, IDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly string _server;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _downSince; // timestamp of the first failure of the current outage, 0 when up

    public RedisLeaseStore(string configuration, RedisLeaseSettings settings, TimeSpan ttl, ILogger logger, TimeProvider? time = null)
    {
        _server = LeaseStoreSpec.Redacted(configuration); // in messages: never the password
        _prefix = settings.KeyPrefix + ":lease:";
        Ttl = ttl;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = settings.TimeoutMilliseconds;
        options.SyncTimeout = settings.TimeoutMilliseconds;
        options.AsyncTimeout = settings.TimeoutMilliseconds;
        options.ConnectRetry = 1;
        options.BacklogPolicy = BacklogPolicy.FailFast; // no queueing while down: answer Unavailable at once
        _redis = ConnectionMultiplexer.Connect(options);
    }

    public TimeSpan Ttl { get; }

    public async ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken ct)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        if (key.IsNone)
        {
            return LeaseStatus.NotLeased;
        }

        try
        {
            RedisValue value = await _redis.GetDatabase().StringGetAsync(_prefix + key.ToString()).ConfigureAwait(false);
            Up();
            return Parse(key, value) is null ? LeaseStatus.NotLeased : LeaseStatus.Leased;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Down(ex);
            return LeaseStatus.Unavailable;
        }
    }

    public async ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken ct)
    {
        ClientAddress key = InMemoryLeaseStore.KeyOf(client);
        TimeSpan lifetime = ttl ?? Ttl;
        DateTimeOffset expires = _time.GetUtcNow() + lifetime;
        string value = string.Create(CultureInfo.InvariantCulture, $"{expires.ToUnixTimeMilliseconds()} {source} {user}");
        await Run(db => db.StringSetAsync(_prefix + key.ToString(), value, lifetime)).ConfigureAwait(false);
        return new Lease(key.ToIPAddress(), DateTimeOffset.FromUnixTimeMilliseconds(expires.ToUnixTimeMilliseconds()), source, string.IsNullOrEmpty(user) ? null : user);
    }

    public async ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken ct)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        return await Run(db => db.KeyDeleteAsync(_prefix + key.ToString())).ConfigureAwait(false);
    }

    public async ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken ct)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        RedisValue value = await Run(db => db.StringGetAsync(_prefix + key.ToString())).ConfigureAwait(false);
        return Parse(key, value);
    }

    public async ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken ct)
    {
        var leases = new List<Lease>();
        try
        {
            foreach (EndPoint endpoint in _redis.GetEndPoints())
            {
                IServer server = _redis.GetServer(endpoint);
                if (server.IsReplica)
                {
                    continue;
                }

                await foreach (RedisKey redisKey in server.KeysAsync(pattern: _prefix + "*", pageSize: 1000).ConfigureAwait(false))
                {
                    string text = ((string)redisKey!)[_prefix.Length..];
                    if (ClientAddress.TryParse(text, out ClientAddress key) && Parse(key, await _redis.GetDatabase().StringGetAsync(redisKey).ConfigureAwait(false)) is { } lease)
                    {
                        leases.Add(lease);
                    }
                }
            }

            Up();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Down(ex);
            throw new LeaseStoreException($"lease store redis:{_server}: {ex.Message}", ex);
        }

        return [.. leases.OrderBy(l => l.Expires)];
    }

    public void Dispose() => _redis.Dispose();

    private async Task<T> Run<T>(Func<IDatabase, Task<T>> command)
    {
        try
        {
            T result = await command(_redis.GetDatabase()).ConfigureAwait(false);
            Up();
            return result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Down(ex);
            throw new LeaseStoreException($"lease store redis:{_server}: {ex.Message}", ex);
        }
    }

    /// <summary>The lease in a stored value, or null when absent, malformed or expired (checked on read).</summary>
    private Lease? Parse(ClientAddress key, RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        string[] parts = ((string)value!).Split(' ', 3);
        if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long expiresMs)
            || expiresMs <= _time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }

        string? user = parts.Length == 3 && parts[2].Length > 0 ? parts[2] : null;
        return new Lease(key.ToIPAddress(), DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), parts[1], user);
    }

    private void Down(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _downSince, Math.Max(1, _time.GetTimestamp()), 0) == 0)
        {
            Log.StoreDown(_logger, _server, ex.GetType().Name, ex.Message);
        }
    }

    private void Up()
    {
        if (Volatile.Read(ref _downSince) != 0)
        {
            long since = Interlocked.Exchange(ref _downSince, 0);
            if (since != 0)
            {
                Log.StoreUp(_logger, _server, _time.GetElapsedTime(since).TotalSeconds);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3301, LogLevel.Error, "lease store redis={Server} unavailable, relay by lease answers 451 4.3.0 until it answers: {Error}: {Message}")]
        public static partial void StoreDown(ILogger logger, string server, string error, string message);

        [LoggerMessage(3302, LogLevel.Information, "lease store redis={Server} answers again after {Seconds:0.0} s")]
        public static partial void StoreUp(ILogger logger, string server, double seconds);
    }
}
