using System.Globalization;
using System.Net;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Milter.Host.Redis;
using Milter.Policy.Leases;
using Milter.Policy.Model;
using StackExchange.Redis;

namespace Milter.Host.Leases;

/// <summary>
/// The shared lease table: one Redis string per lease, <c>{KeyPrefix}:lease:{address}</c> (dotted quad or uncompressed
/// <c>IPv6:</c> form) = <c>{expiry unix ms} {source} {user}</c>, with <c>PX</c> = the TTL so that Redis expires it
/// itself; the expiry in the value is checked on read too. Every milter on the same Redis sees every lease. Redis not
/// answering within <see cref="RedisLeaseSettings.TimeoutMilliseconds"/> (<see cref="RedisGuard"/>):
/// <see cref="CheckAsync(ClientAddress, CancellationToken)"/> answers <see cref="LeaseStatus.Unavailable"/> (the relay decision then says 451 4.3.0 when
/// it needed the lease), writes throw <see cref="LeaseStoreException"/>; one log line when an outage starts and one
/// when it ends. A value this store did not write (not <c>{ms} {source} [user]</c>, an expiry no date can hold, not a
/// string) is no lease, logged once per key: it never fails a lookup or <c>lease list</c>.
/// </summary>
internal sealed partial class RedisLeaseStore : ILeaseTable, IDisposable
{
    /// <summary>Keys whose malformed value was logged (bounded: cleared when full).</summary>
    private const int MaxLoggedMalformed = 1024;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly string _server;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RedisGuard _guard;
    private readonly ConcurrentDictionary<string, byte> _loggedMalformed = new(StringComparer.Ordinal);

    public RedisLeaseStore(string configuration, RedisLeaseSettings settings, TimeSpan ttl, ILogger logger, TimeProvider? time = null)
    {
        _server = LeaseStoreSpec.Redacted(configuration); // in messages: never the password
        _prefix = settings.KeyPrefix + ":lease:";
        Ttl = ttl;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _guard = new RedisGuard(
            TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds),
            _time,
            ex => Log.LeaseStoreDown(_logger, _server, ex.GetType().Name, ex.Message),
            seconds => Log.LeaseStoreUp(_logger, _server, seconds));
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

    public ValueTask<LeaseStatus> CheckAsync(IPAddress client, CancellationToken cancellationToken) =>
        CheckAsync(ClientAddress.FromIPAddress(client), cancellationToken);

    public async ValueTask<LeaseStatus> CheckAsync(ClientAddress key, CancellationToken cancellationToken)
    {
        if (key.IsNone)
        {
            return LeaseStatus.NotLeased;
        }

        try
        {
            RedisValue value = await _guard.RunAsync(() => ReadAsync(_prefix + key.ToString())).ConfigureAwait(false);
            return Parse(key, value) is null ? LeaseStatus.NotLeased : LeaseStatus.Leased;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return LeaseStatus.Unavailable; // the guard logged the outage
        }
    }

    public async ValueTask<Lease> AddAsync(IPAddress client, string source, string? user, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        ClientAddress key = InMemoryLeaseStore.KeyOf(client);
        TimeSpan lifetime = ttl ?? Ttl;
        DateTimeOffset expires = _time.GetUtcNow() + lifetime;
        string value = string.Create(CultureInfo.InvariantCulture, $"{expires.ToUnixTimeMilliseconds()} {source} {user}");
        await Run(() => _redis.GetDatabase().StringSetAsync(_prefix + key.ToString(), value, lifetime)).ConfigureAwait(false);
        return new Lease(key.ToIPAddress(), DateTimeOffset.FromUnixTimeMilliseconds(expires.ToUnixTimeMilliseconds()), source, string.IsNullOrEmpty(user) ? null : user);
    }

    public async ValueTask<bool> RemoveAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        return await Run(() => _redis.GetDatabase().KeyDeleteAsync(_prefix + key.ToString())).ConfigureAwait(false);
    }

    public async ValueTask<Lease?> GetAsync(IPAddress client, CancellationToken cancellationToken)
    {
        ClientAddress key = ClientAddress.FromIPAddress(client);
        RedisValue value = await Run(() => ReadAsync(_prefix + key.ToString())).ConfigureAwait(false);
        return Parse(key, value);
    }

    public async ValueTask<IReadOnlyList<Lease>> ListAsync(CancellationToken cancellationToken)
    {
        var leases = new List<Lease>();
        foreach (EndPoint endpoint in _redis.GetEndPoints())
        {
            IServer server = _redis.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            // One page of keys per call, each call within the deadline.
            var keys = new List<RedisKey>();
            long cursor = 0;
            do
            {
                RedisResult page = await Run(() => server.ExecuteAsync("SCAN", cursor, "MATCH", _prefix + "*", "COUNT", 1000)).ConfigureAwait(false);
                var parts = (RedisResult[])page!;
                cursor = long.Parse((string)parts[0]!, CultureInfo.InvariantCulture);
                keys.AddRange((RedisKey[])parts[1]!);
            }
            while (cursor != 0);

            foreach (RedisKey redisKey in keys)
            {
                string text = ((string)redisKey!)[_prefix.Length..];
                if (!ClientAddress.TryParse(text, out ClientAddress key))
                {
                    Malformed(redisKey.ToString(), "the key is not an address");
                }
                else if (Parse(key, await Run(() => ReadAsync(redisKey)).ConfigureAwait(false)) is { } lease)
                {
                    leases.Add(lease);
                }
            }
        }

        return [.. leases.OrderBy(l => l.Expires)];
    }

    public void Dispose() => _redis.Dispose();

    private async Task<T> Run<T>(Func<Task<T>> command)
    {
        try
        {
            return await _guard.RunAsync(command).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw new LeaseStoreException($"lease store redis:{_server}: {ex.Message}", ex);
        }
    }

    /// <summary>GET, with a key holding another type (WRONGTYPE: not written by this store) read as a malformed value.</summary>
    private async Task<RedisValue> ReadAsync(RedisKey key)
    {
        try
        {
            return await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            Malformed(key.ToString(), "not a string value");
            return RedisValue.Null;
        }
    }

    /// <summary>The lease in a stored value, or null when absent, expired (checked on read) or malformed (logged).</summary>
    private Lease? Parse(ClientAddress key, RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        string[] parts = ((string)value!).Split(' ', 3);
        if (parts.Length < 2 || parts[1].Length == 0
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long expiresMs)
            || expiresMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            Malformed(_prefix + key.ToString(), "the value is not '{expiry ms} {source} [user]'");
            return null;
        }

        if (expiresMs <= _time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }

        string? user = parts.Length == 3 && parts[2].Length > 0 ? parts[2] : null;
        return new Lease(key.ToIPAddress(), DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), parts[1], user);
    }

    private void Malformed(string key, string reason)
    {
        if (_loggedMalformed.Count >= MaxLoggedMalformed)
        {
            _loggedMalformed.Clear();
        }

        if (_loggedMalformed.TryAdd(key, 0))
        {
            Log.MalformedValue(_logger, _server, string.Concat(key.Select(c => char.IsControl(c) ? '?' : c)), reason);
        }
    }
}
