namespace Milter.Policy.Limits;

/// <summary>
/// Rate-limit buckets in this process: one <see cref="GcraTable"/> per limit (a limit and its <c>ClientRate:</c>
/// variants share one), on the injected clock's timestamps. <see cref="Acquire"/> is synchronous, O(1) and does not
/// allocate; memory per limit is bounded by <see cref="MaxEntries"/> keys (see <see cref="BytesPerLimit"/>).
/// </summary>
public sealed class MemoryRateLimitStore : IRateLimitStore
{
    /// <summary>Default cap on keys per limit.</summary>
    public const int DefaultMaxEntries = 1 << 20;

    private readonly TimeProvider _time;
    private readonly Lock _grow = new();
    private GcraTable?[] _tables = new GcraTable?[16];

    public MemoryRateLimitStore(TimeProvider? timeProvider = null, int maxEntries = DefaultMaxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _time = timeProvider ?? TimeProvider.System;
        MaxEntries = maxEntries;
    }

    /// <summary>Keys kept per limit at most (rounded up to a multiple of 16).</summary>
    public int MaxEntries { get; }

    /// <summary>
    /// The memory bound of one limit's table: 24 bytes × 16 shards × the power of two ≥ 2 × MaxEntries / 16
    /// (for the default 1,048,576 keys: 48 MiB, 48 bytes per key when full).
    /// </summary>
    public static long BytesPerLimit(int maxEntries) =>
        24L * GcraTable.Shards * (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, ((maxEntries + GcraTable.Shards - 1) / GcraTable.Shards) * 2));

    public RateDecision Acquire(RateLimit limit, in LimitKey key, int cost = 1)
    {
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, 1);
        var table = Table(limit);
        return table.Acquire(key, _time.GetTimestamp(), limit.Parameters(_time.TimestampFrequency), cost);
    }

    public ValueTask<RateDecision> AcquireAsync(RateLimit limit, LimitKey key, int cost, CancellationToken cancellationToken) =>
        new(Acquire(limit, key, cost));

    /// <summary>Keys held for <paramref name="limit"/> (idle ones not yet dropped included).</summary>
    public int Count(RateLimit limit) => Table(limit).Count;

    /// <summary>Slot-array bytes held for <paramref name="limit"/>.</summary>
    public long Bytes(RateLimit limit) => Table(limit).SlotBytes;

    /// <summary>New keys of <paramref name="limit"/> answered but not stored because the table was full.</summary>
    public long Overflows(RateLimit limit) => Table(limit).Overflows;

    /// <summary>Drops every idle key of <paramref name="limit"/> now; returns how many.</summary>
    public int Sweep(RateLimit limit) => Table(limit).Sweep(_time.GetTimestamp());

    private GcraTable Table(RateLimit limit)
    {
        var tables = _tables;
        var id = limit.Id;
        if ((uint)id < (uint)tables.Length && tables[id] is { } table)
        {
            return table;
        }

        lock (_grow)
        {
            tables = _tables;
            if (id >= tables.Length)
            {
                Array.Resize(ref tables, Math.Max(id + 1, tables.Length * 2));
            }

            table = tables[id] ??= new GcraTable(MaxEntries);
            _tables = tables;
            return table;
        }
    }
}
