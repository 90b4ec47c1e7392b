namespace Milter.Host.Leases;

/// <summary>Which lease store: <c>sqlite[:PATH]</c>, <c>redis:CONFIGURATION</c>, <c>memory</c>.</summary>
internal sealed record LeaseStoreSpec(LeaseStoreKind Kind, string? Target)
{
    public const string FileName = "leases.db";

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LeaseStoreSpec? spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        error = null;
        string value = (text ?? string.Empty).Trim();
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? value : value[..colon];
        string? target = colon < 0 ? null : value[(colon + 1)..];
        switch (kind.ToLowerInvariant())
        {
            case "sqlite":
                spec = new LeaseStoreSpec(LeaseStoreKind.Sqlite, string.IsNullOrEmpty(target) ? null : target);
                return true;
            case "memory" when string.IsNullOrEmpty(target):
                spec = new LeaseStoreSpec(LeaseStoreKind.Memory, null);
                return true;
            case "redis" when !string.IsNullOrWhiteSpace(target):
                try
                {
                    StackExchange.Redis.ConfigurationOptions.Parse(target);
                }
                catch (ArgumentException ex)
                {
                    error = $"'{value}': {ex.Message}";
                    return false;
                }

                spec = new LeaseStoreSpec(LeaseStoreKind.Redis, target);
                return true;
            default:
                error = $"'{value}' is not sqlite[:PATH], redis:HOST:PORT or memory";
                return false;
        }
    }

    /// <summary>A Redis configuration string for messages: the password is never written out (<c>password=*****</c>).</summary>
    public static string Redacted(string configuration) =>
        StackExchange.Redis.ConfigurationOptions.Parse(configuration).ToString(includePassword: false);

    /// <summary>The SQLite file: the given path, else STATE/leases.db.</summary>
    public string SqlitePath(string stateDirectory) => Target ?? Path.Combine(stateDirectory, FileName);

    public string Describe(string stateDirectory) => Kind switch
    {
        LeaseStoreKind.Sqlite => "sqlite:" + SqlitePath(stateDirectory),
        LeaseStoreKind.Redis => "redis:" + Redacted(Target!),
        _ => "memory",
    };
}

internal enum LeaseStoreKind
{
    Sqlite,
    Redis,
    Memory,
}

/// <summary>The lease store cannot be opened or cannot answer; the message names the store (and path).</summary>
public sealed class LeaseStoreException(string message, Exception? inner = null) : IOException(message, inner);
