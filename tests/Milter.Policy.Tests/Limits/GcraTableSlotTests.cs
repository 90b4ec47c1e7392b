using System.Reflection;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>
/// One shard of <see cref="GcraTable"/> slot by slot: keys are chosen by their hash under the table's seed (read, not
/// set) so their shard and home slot are known. It proves the documented rules: an insert drops idle keys at the
/// cursor, load stays at most 1/2, a shard about to grow drops its idle keys first and grows only above 3/8 full, a
/// shard at its cap looks 32 slots further for an idle key and otherwise does not store the new key, and deleting
/// a key never hides the keys probed past it.
/// </summary>
public sealed class GcraTableSlotTests
{
    private const long T0 = 1_000_000;
    private const long Live = T0 + 500; // keys acquired now are still busy at T0 + 1000
    private const long Idle = T0 + 1000; // keys acquired at T0 are fresh (idle) again now
    private const int SlotBytes = 24;

    // 1 event per 1,000 ticks, burst 1: a key acquired at t is busy until t + 1,000.
    private static readonly GcraParameters P = new(TimeSpan.TicksPerSecond, TimeSpan.FromTicks(1000), 1, 1);

    private static ulong Hash(GcraTable table, in LimitKey key)
    {
        var seed = (ulong)typeof(GcraTable).GetField("_seed", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(table)!;
        return LimitKey.Fmix(key.Lo ^ LimitKey.Fmix(key.Hi ^ seed));
    }

    /// <summary>Keys of shard 0 with the given home slots (in a 64-slot shard), in that order, all distinct.</summary>
    private static LimitKey[] KeysAt(GcraTable table, params int[] homes)
    {
        var keys = new LimitKey?[homes.Length];
        var used = new HashSet<uint>();
        for (uint i = 1; keys.Any(k => k is null); i++)
        {
            var key = LimitKey.ForClient(ClientAddress.FromIPv4(i))!.Value;
            var hash = Hash(table, key);
            if (hash >> 60 != 0)
            {
                continue;
            }

            var slot = Array.FindIndex(homes, (h) => h == (int)(hash & 63));
            for (var n = slot; n >= 0 && n < homes.Length; n = Array.FindIndex(homes, n + 1, (h) => h == (int)(hash & 63)))
            {
                if (keys[n] is null && used.Add(i))
                {
                    keys[n] = key;
                    break;
                }
            }
        }

        return keys.Select(k => k!.Value).ToArray();
    }

    /// <summary>Distinct home slots 0..63 but the ones excluded.</summary>
    private static int[] Homes(int count, params int[] except) => Enumerable.Range(0, 64).Except(except).Take(count).ToArray();

    private static bool Busy(GcraTable table, in LimitKey key, long now) => !table.Acquire(key, now, P, 1).Allowed;

    [Test]
    public void Insert_DropsTheIdleKeyAtTheCursor()
    {
        var table = new GcraTable(1 << 20);
        var keys = KeysAt(table, 0, 5);
        table.Acquire(keys[0], T0, P, 1).Allowed.Should().BeTrue();
        table.Acquire(keys[1], Idle, P, 1).Allowed.Should().BeTrue();
        table.Count.Should().Be(1, "the key in slot 0 was idle when the cursor passed it");
    }

    [Test]
    public void Shard_GrowsOnlyWhenTheNextKeyWouldMakeItMoreThanHalfFull()
    {
        var table = new GcraTable(1 << 20);
        var keys = KeysAt(table, Homes(33));
        for (var i = 0; i < 32; i++)
        {
            table.Acquire(keys[i], Live, P, 1).Allowed.Should().BeTrue();
        }

        table.SlotBytes.Should().Be(16L * 64 * SlotBytes, "32 keys fill 64 slots to one half");
        table.Acquire(keys[32], Live, P, 1).Allowed.Should().BeTrue();
        table.SlotBytes.Should().Be(((15L * 64) + 128) * SlotBytes);
        keys.Should().OnlyContain(k => Busy(table, k, Live));
    }

    [TestCase(8, 64)]
    [TestCase(6, 128)]
    public void Shard_AboutToGrow_DropsIdleKeysFirst_AndGrowsOnlyAboveThreeEighths(int idle, int slots)
    {
        var table = new GcraTable(1 << 20);
        var keys = KeysAt(table, Homes(33, 62, 63));
        for (var i = 0; i < 32; i++)
        {
            table.Acquire(keys[i], i < idle ? T0 : Live, P, 1).Allowed.Should().BeTrue();
        }

        table.Acquire(keys[32], Idle, P, 1).Allowed.Should().BeTrue();
        table.Count.Should().Be(33 - idle);
        table.SlotBytes.Should().Be(((15L * 64) + slots) * SlotBytes, "{0} live keys and the new one", 32 - idle);
        keys.Skip(idle).Should().OnlyContain(k => Busy(table, k, Idle));
    }

    [Test]
    public void FullShard_FindsAnIdleKeyWithin32SlotsPastTheCursor_AndStoresTheNewKey()
    {
        var table = new GcraTable(16 * 32); // 32 keys a shard, 64 slots
        var keys = KeysAt(table, [20, .. Homes(31, 20, 62, 63), 40]);
        table.Acquire(keys[0], T0, P, 1).Allowed.Should().BeTrue();
        for (var i = 1; i < 32; i++)
        {
            table.Acquire(keys[i], Live, P, 1).Allowed.Should().BeTrue();
        }

        table.Acquire(keys[32], Idle, P, 1).Allowed.Should().BeTrue();
        table.Overflows.Should().Be(0);
        table.Count.Should().Be(32);
        table.SlotBytes.Should().Be(16L * 64 * SlotBytes);
        keys.Skip(1).Should().OnlyContain(k => Busy(table, k, Idle));
    }

    [Test]
    public void FullShard_IdleKeyBeyondThoseSlots_TheNewKeyIsAnsweredButNotStored()
    {
        var table = new GcraTable(16 * 32);
        // Filling moves the cursor to slot 62; the new key looks at 62, 63, then 32 more: 0..31. Slot 32 is not seen.
        var keys = KeysAt(table, [32, .. Homes(31, 32, 62, 63), 40]);
        table.Acquire(keys[0], T0, P, 1).Allowed.Should().BeTrue();
        for (var i = 1; i < 32; i++)
        {
            table.Acquire(keys[i], Live, P, 1).Allowed.Should().BeTrue();
        }

        table.Acquire(keys[32], Idle, P, 1).Allowed.Should().BeTrue();
        table.Overflows.Should().Be(1);
        table.Count.Should().Be(32);
        table.SlotBytes.Should().Be(16L * 64 * SlotBytes, "a shard at its cap never grows");
    }

    [Test]
    public void DroppingAKey_KeepsTheKeysProbedPastIt_Reachable()
    {
        var table = new GcraTable(1 << 20);
        // A (home 10) is idle; B (home 11) sits at home; C (home 10) was probed to slot 12.
        var keys = KeysAt(table, 10, 11, 10);
        table.Acquire(keys[0], T0, P, 1);
        table.Acquire(keys[1], Live, P, 1);
        table.Acquire(keys[2], Live, P, 1);
        table.Sweep(Idle).Should().Be(1);
        Busy(table, keys[1], Idle).Should().BeTrue("B stays in its home slot");
        Busy(table, keys[2], Idle).Should().BeTrue("C moves up into A's slot");
        table.Count.Should().Be(2);
    }

    [Test]
    public void DroppingTheLastSlot_KeepsTheKeysThatWrappedAround_Reachable()
    {
        var table = new GcraTable(1 << 20);
        // A (home 63) is idle; B (home 0) sits at home; C (home 63) wrapped around to slot 1.
        var keys = KeysAt(table, 63, 0, 63);
        table.Acquire(keys[0], T0, P, 1);
        table.Acquire(keys[1], Live, P, 1);
        table.Acquire(keys[2], Live, P, 1);
        table.Sweep(Idle).Should().Be(1);
        Busy(table, keys[1], Idle).Should().BeTrue();
        Busy(table, keys[2], Idle).Should().BeTrue();
        table.Count.Should().Be(2);
    }
}
