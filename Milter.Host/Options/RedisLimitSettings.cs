using System.ComponentModel.DataAnnotations;

namespace Milter.Host.Options;

/// <summary>Settings under <c>Milter:Limits:Redis</c>.</summary>
public sealed class RedisLimitSettings
{
    /// <summary>StackExchange.Redis configuration string (<c>host:port,password=…</c>).</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>Prefix of every key the milter writes.</summary>
    [Length(0, 256)]
    public string KeyPrefix { get; set; } = "milter:limit:";

    /// <summary>When Redis cannot answer: <c>Open</c> (allow, the default) or <c>TempFail</c> (451 4.3.0).</summary>
    public string FailureMode { get; set; } = "Open";

    /// <summary>Connect and per-check timeout: each check answers within it (plus a few milliseconds), else the failure mode.</summary>
    [Range(10, 60_000)]
    public int TimeoutMilliseconds { get; set; } = 500;

    internal bool FailOpen => string.Equals(FailureMode, "Open", StringComparison.OrdinalIgnoreCase);

    internal IEnumerable<string> Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            yield return $"{path}:Configuration: must name the Redis server (host:port)";
        }
        else
        {
            string? error = null;
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(Configuration);
            }
            catch (ArgumentException ex)
            {
                error = ex.Message;
            }

            if (error is not null)
            {
                yield return $"{path}:Configuration: {error}";
            }
        }

        if (!FailOpen && !string.Equals(FailureMode, "TempFail", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{path}:FailureMode: '{FailureMode}' is not Open or TempFail";
        }
    }
}
