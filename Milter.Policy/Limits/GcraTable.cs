using System.Numerics;
using System.Runtime.InteropServices;

namespace Milter.Policy.Limits;

/// <summary>
/// The buckets of one limit: <see cref="Shards"/> open-addressing tables (linear probing, load ≤ 1/2, 24-byte slots:
/// 128-bit key + TAT), each behind its own lock. No timer, no thread, no per-key object.
/// <para>Eviction: a slot whose TAT is not after now is a fresh bucket, so dropping it changes no answer. Each insert
/// examines two slots at a moving cursor and drops idle ones (backward-shift deletion, no tombstones); a table about
/// to grow first drops every idle slot and grows only if it is still over 3/8 full.</para>
/// <para>Hard cap: at most <see cref="MaxEntries"/> keys (rounded up to a multiple of <see cref="Shards"/>). When a shard
/// is full and 32 slots at the cursor yield no idle key, a new key is answered as a fresh bucket but not stored
/// (<see cref="Overflows"/> counts them): limits by network and server-wide still hold such clients.</para>
/// </summary>
internal sealed class GcraTable
{
    public const int Shards = 16;
    private const int InitialCapacity = 64;
    private readonly Shard[] _shards;
    private readonly ulong _seed;
    private long _overflows;

    public GcraTable(int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        var perShard = (maxEntries + Shards - 1) / Shards;
        MaxEntries = perShard * Shards;
        var maxCapacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(InitialCapacity, perShard * 2));
        _seed = (ulong)Random.Shared.NextInt64() | 1;
        _shards = new Shard[Shards];
        for (var i = 0; i < Shards; i++)
        {
            _shards[i] = new Shard(perShard, maxCapacity, _seed);
        }
    }

    public int MaxEntries { get; }

    /// <summary>New keys answered but not stored because their shard was full.</summary>
    public long Overflows => Interlocked.Read(ref _overflows);

    /// <summary>Keys stored now (idle ones not yet dropped included).</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var s in _shards)
            {
                lock (s)
                {
                    n += s.Count;
                }
            }

            return n;
        }
    }

    /// <summary>Bytes of slot arrays held now.</summary>
    public long SlotBytes
    {
        get
        {
            long n = 0;
            foreach (var s in _shards)
            {
                lock (s)
                {
                    n += (long)s.Capacity * Marshal.SizeOf<Slot>();
                }
            }

            return n;
        }
    }

    public RateDecision Acquire(in LimitKey key, long now, GcraParameters p, int cost)
    {
        var hash = LimitKey.Fmix(key.Lo ^ LimitKey.Fmix(key.Hi ^ _seed));
        var shard = _shards[(int)(hash >> 60)];
        lock (shard)
        {
            var decision = shard.Acquire(key.Hi, key.Lo, hash, now, p, cost, out var overflow);
            if (overflow)
            {
                _overflows++;
            }

            return decision;
        }
    }

    /// <summary>Drops every idle key now (tests, and the growth path).</summary>
    public int Sweep(long now)
    {
        var n = 0;
        foreach (var s in _shards)
        {
            lock (s)
            {
                n += s.SweepAll(now);
            }
        }

        return n;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 8)]
    private struct Slot
    {
        public ulong Hi;
        public ulong Lo;

        /// <summary>0 = empty (a stored TAT is always after some now, hence positive).</summary>
        public long Tat;
    }

    private sealed class Shard(int maxEntries, int maxCapacity, ulong seed)
    {
        private Slot[] _slots = new Slot[InitialCapacity];
        private int _mask = InitialCapacity - 1;
        private int _cursor;

        public int Count { get; private set; }

        public int Capacity => _slots.Length;

        public RateDecision Acquire(ulong hi, ulong lo, ulong hash, long now, GcraParameters p, int cost, out bool overflow)
        {
            overflow = false;
            var slots = _slots;
            var i = (int)hash & _mask;
            while (slots[i].Tat != 0)
            {
                if (slots[i].Lo == lo && slots[i].Hi == hi)
                {
                    return Gcra.Apply(ref slots[i].Tat, now, p, cost);
                }

                i = (i + 1) & _mask;
            }

            long tat = 0;
            var decision = Gcra.Apply(ref tat, now, p, cost);
            if (!decision.Allowed)
            {
                return decision; // nothing to store: a refused request counts nothing
            }

            if (!MakeRoom(now))
            {
                overflow = true;
                return decision;
            }

            if (!ReferenceEquals(slots, _slots))
            {
                slots = _slots;
            }

            i = (int)Home(hi, lo) & _mask;
            while (slots[i].Tat != 0)
            {
                i = (i + 1) & _mask;
            }

            slots[i] = new Slot { Hi = hi, Lo = lo, Tat = tat };
            Count++;
            return decision;
        }

        public int SweepAll(long now)
        {
            var before = Count;
            for (var i = 0; i < _slots.Length;)
            {
                if (_slots[i].Tat != 0 && _slots[i].Tat <= now)
                {
                    RemoveAt(i); // may shift a later slot into i: look at i again
                }
                else
                {
                    i++;
                }
            }

            return before - Count;
        }

        /// <summary>Room for one more key, after the amortised sweep; false when the shard is at its cap.</summary>
        private bool MakeRoom(long now)
        {
            SweepSome(now, 2);
            if (Count < maxEntries && (Count + 1) * 2 <= _slots.Length)
            {
                return true;
            }

            if (_slots.Length < maxCapacity)
            {
                SweepAll(now);
                if (Count * 8 > _slots.Length * 3 || (Count + 1) * 2 > _slots.Length)
                {
                    Resize(_slots.Length * 2);
                }

                return Count < maxEntries;
            }

            if (Count >= maxEntries)
            {
                SweepSome(now, 32);
            }

            return Count < maxEntries && (Count + 1) * 2 <= _slots.Length;
        }

        private void SweepSome(long now, int steps)
        {
            for (var n = 0; n < steps && Count > 0; n++)
            {
                var i = _cursor & _mask;
                if (_slots[i].Tat != 0 && _slots[i].Tat <= now)
                {
                    RemoveAt(i);
                }
                else
                {
                    _cursor = i + 1;
                }
            }
        }

        private ulong Home(ulong hi, ulong lo) => LimitKey.Fmix(lo ^ LimitKey.Fmix(hi ^ seed));

        private void RemoveAt(int i)
        {
            var slots = _slots;
            var j = i;
            while (true)
            {
                j = (j + 1) & _mask;
                if (slots[j].Tat == 0)
                {
                    break;
                }

                var k = (int)Home(slots[j].Hi, slots[j].Lo) & _mask;
                // slots[j] may move to i unless its home lies cyclically in (i, j].
                var stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
                if (!stays)
                {
                    slots[i] = slots[j];
                    i = j;
                }
            }

            slots[i] = default;
            Count--;
        }

        private void Resize(int capacity)
        {
            var old = _slots;
            var slots = new Slot[capacity];
            var mask = capacity - 1;
            foreach (var s in old)
            {
                if (s.Tat == 0)
                {
                    continue;
                }

                var i = (int)Home(s.Hi, s.Lo) & mask;
                while (slots[i].Tat != 0)
                {
                    i = (i + 1) & mask;
                }

                slots[i] = s;
            }

            _slots = slots;
            _mask = mask;
            _cursor = 0;
        }
    }
}
