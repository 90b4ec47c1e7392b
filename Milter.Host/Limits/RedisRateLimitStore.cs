using Microsoft.Extensions.Logging;
using Milter.Host.Options;
using Milter.Host.Redis;
using Milter.Policy.Limits;
using StackExchange.Redis;

namespace Milter.Host.Limits;

/// <summary>
/// Rate buckets in Redis, shared by every milter that uses the same server: one Lua script per check does the GCRA of
/// <see cref="Gcra"/> atomically on Redis <c>TIME</c> (microseconds), so the clocks of the MTAs do not matter, and
/// sets the key to expire when its bucket is full again, so Redis drops idle keys itself. Keys:
/// <c>{KeyPrefix}{limit}:{key text}</c>. Redis unreachable, or not answering within
/// <see cref="RedisLimitSettings.TimeoutMilliseconds"/> (<see cref="RedisGuard"/>): the check answers the failure mode
/// (allow, or refuse with 451 4.3.0); one log line when an outage starts and one when it ends. A bucket holding
/// something else than a number (not written here) counts as a fresh bucket and is overwritten.
/// </summary>
internal sealed partial class RedisRateLimitStore : IRateLimitStore, IDisposable
{
    // KEYS[1] bucket; ARGV interval µs, capacity µs (burst × interval), cost. Returns {allowed, count, retry µs}.
    internal const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local capacity = tonumber(ARGV[2])
        local stored = redis.pcall('GET', KEYS[1])
        local tat = type(stored) == 'string' and tonumber(stored) or 0
        if tat < now then tat = now end
        local nxt = tat + tonumber(ARGV[3]) * interval
        if nxt - now > capacity then
          return {0, math.ceil((tat - now) / interval), nxt - now - capacity}
        end
        redis.call('SET', KEYS[1], nxt, 'PX', math.ceil((nxt - now) / 1000) + 1)
        return {1, math.ceil((nxt - now) / interval), 0}
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly RedisLimitSettings _settings;
    private readonly ILogger _logger;
    private readonly RedisGuard _guard;

    public RedisRateLimitStore(RedisLimitSettings settings, ILogger logger, TimeProvider? time = null)
    {
        _settings = settings;
        _logger = logger;
        _guard = new RedisGuard(
            TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds),
            time ?? TimeProvider.System,
            ex => Log.LimitStoreDown(_logger, Leases.LeaseStoreSpec.Redacted(_settings.Configuration), _settings.FailOpen ? "allowing" : "refusing with 451 4.3.0", ex.GetType().Name, ex.Message),
            seconds => Log.LimitStoreUp(_logger, Leases.LeaseStoreSpec.Redacted(_settings.Configuration), seconds));
        ConfigurationOptions options = ConfigurationOptions.Parse(settings.Configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = settings.TimeoutMilliseconds;
        options.SyncTimeout = settings.TimeoutMilliseconds;
        options.AsyncTimeout = settings.TimeoutMilliseconds;
        options.ConnectRetry = 1;
        options.BacklogPolicy = BacklogPolicy.FailFast; // no queueing while down: answer the failure mode at once
        _redis = ConnectionMultiplexer.Connect(options);
    }

    public async ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limit);
        (long interval, long capacity) = limit.GcraTicks(1_000_000);
        RedisKey redisKey = string.Concat(_settings.KeyPrefix, limit.Name, ":", key.Text);
        try
        {
            RedisResult result = await _guard.RunAsync(() => _redis.GetDatabase().ScriptEvaluateAsync(Script, [redisKey], [interval, capacity, cost]))
                .ConfigureAwait(false);
            var values = (RedisResult[])result!;
            return new RateDecision((long)values[0] == 1, (long)values[1], TimeSpan.FromTicks((long)values[2] * 10));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return RateDecision.StoreDown(_settings.FailOpen); // the guard logged the outage
        }
    }

    public void Dispose() => _redis.Dispose();
}
