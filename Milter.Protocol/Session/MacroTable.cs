using System.Buffers.Binary;
using System.Text;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Session;

/// <summary>
/// Macros by stage, as libmilter keeps them: a MACRO packet replaces its stage's set; lookups search the latest
/// stage first (EOM, EOH, DATA, RCPT, MAIL, HELO, CONNECT), so later stages shadow earlier ones; <c>i</c> and
/// <c>{i}</c> are the same name. CONNECT clears HELO…EOM, HELO clears MAIL…EOM, MAIL clears RCPT…EOM, RCPT
/// clears DATA…EOM; ABORT clears nothing. Storage is reused between packets: no allocation in steady state.
/// </summary>
public sealed class MacroTable
{
    // Stage letters in storage order; lookups go from the end (latest stage first: E B N L T R M H C, then U). L and B
    // are Postfix's per-header and per-body-chunk stages, U its unknown-command stage, looked up last.
    private static ReadOnlySpan<byte> StorageOrder => "UCHMRTLNBE"u8;

    // Each stage's packet as received (complete pairs only) behind its length, in an array reused by later packets of
    // the stage; an idle connection (CONNECT, HELO) holds a three-slot table and two arrays the size of what it was sent.
    private byte[]?[] _slots = [];

    /// <summary>Stores a MACRO packet's pairs for its stage; stages outside C H M R T L N B E U are ignored.</summary>
    public void Set(in MacroCommand command)
    {
        int index = StorageOrder.IndexOf(command.Stage);
        if (index < 0)
        {
            return;
        }

        if (index >= _slots.Length)
        {
            // Up to HELO first (what an idle connection needs), every stage once a message begins.
            Array.Resize(ref _slots, index <= 2 ? 3 : StorageOrder.Length);
        }

        ReadOnlySpan<byte> pairs = command.Pairs.Span;
        pairs = pairs[..CompletePairsLength(pairs, command.StringCount / 2)];
        ref byte[]? slot = ref _slots[index];
        if (slot is null || slot.Length < LengthSize + pairs.Length)
        {
            slot = new byte[LengthSize + Math.Max(pairs.Length, slot is null ? 0 : (slot.Length - LengthSize) * 2)];
        }

        BinaryPrimitives.WriteInt32LittleEndian(slot, pairs.Length);
        pairs.CopyTo(slot.AsSpan(LengthSize));
    }

    /// <summary>Clears the stages that the arrival of <paramref name="command"/> makes stale.</summary>
    public void ClearFor(MilterCommandCode command)
    {
        switch (command)
        {
            case MilterCommandCode.Connect:
                ClearAfter((byte)'C');
                break;
            case MilterCommandCode.Helo:
                ClearAfter((byte)'H');
                break;
            case MilterCommandCode.Mail:
                ClearAfter((byte)'M');
                break;
            case MilterCommandCode.Rcpt:
                ClearAfter((byte)'R');
                break;
            case MilterCommandCode.OptionNegotiation:
            case MilterCommandCode.Quit:
            case MilterCommandCode.QuitNewConnection:
                Clear();
                break;
        }
    }

    /// <summary>Forgets every stage.</summary>
    public void Clear()
    {
        foreach (byte[]? slot in _slots)
        {
            Empty(slot);
        }
    }

    /// <summary>Looks a macro up by name, with or without braces; the value is valid until the next MACRO packet for its stage.</summary>
    public bool TryGetValue(ReadOnlySpan<char> name, out ReadOnlySpan<byte> value)
    {
        name = StripBraces(name);
        for (int i = _slots.Length - 1; i >= 0; i--)
        {
            ReadOnlySpan<byte> pairs = Pairs(_slots[i]);
            for (int position = 0; position < pairs.Length;)
            {
                ReadOnlySpan<byte> entryName = Next(pairs, ref position);
                ReadOnlySpan<byte> entryValue = Next(pairs, ref position);
                if (EqualsAscii(StripBraces(entryName), name))
                {
                    value = entryValue;
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value of a macro as a string, or null when the MTA did not send it.</summary>
    public string? GetValue(string name) =>
        TryGetValue(name, out ReadOnlySpan<byte> value) ? Encoding.Latin1.GetString(value) : null;

    /// <summary>Every visible macro (shadowed ones left out), for diagnostics.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToList()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, string>>();
        for (int i = _slots.Length - 1; i >= 0; i--)
        {
            ReadOnlySpan<byte> pairs = Pairs(_slots[i]);
            for (int position = 0; position < pairs.Length;)
            {
                string name = Encoding.Latin1.GetString(Next(pairs, ref position));
                string value = Encoding.Latin1.GetString(Next(pairs, ref position));
                if (seen.Add(StripBraces(name.AsSpan()).ToString()))
                {
                    result.Add(new(name, value));
                }
            }
        }

        return result;
    }

    private const int LengthSize = sizeof(int);

    private void ClearAfter(byte stage)
    {
        // Stages later than `stage` come after it in StorageOrder (U, the first, is never cleared by a step).
        for (int i = StorageOrder.IndexOf(stage) + 1; i < _slots.Length; i++)
        {
            Empty(_slots[i]);
        }
    }

    private static void Empty(byte[]? slot)
    {
        if (slot is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(slot, 0);
        }
    }

    private static ReadOnlySpan<byte> Pairs(byte[]? slot) =>
        slot is null ? default : slot.AsSpan(LengthSize, BinaryPrimitives.ReadInt32LittleEndian(slot));

    /// <summary>The bytes of the first <paramref name="pairCount"/> pairs (a dangling name after them is left out).</summary>
    private static int CompletePairsLength(ReadOnlySpan<byte> pairs, int pairCount)
    {
        int position = 0;
        for (int i = 0; i < pairCount * 2; i++)
        {
            position += pairs[position..].IndexOf((byte)0) + 1;
        }

        return position;
    }

    /// <summary>The string at <paramref name="position"/> (its NUL dropped); <paramref name="position"/> moves past it.</summary>
    private static ReadOnlySpan<byte> Next(ReadOnlySpan<byte> pairs, scoped ref int position)
    {
        ReadOnlySpan<byte> rest = pairs[position..];
        int end = rest.IndexOf((byte)0);
        position += end + 1;
        return rest[..end];
    }

    private static ReadOnlySpan<char> StripBraces(ReadOnlySpan<char> name) =>
        name.Length >= 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;

    private static ReadOnlySpan<byte> StripBraces(ReadOnlySpan<byte> name) =>
        name.Length >= 2 && name[0] == (byte)'{' && name[^1] == (byte)'}' ? name[1..^1] : name;

    private static bool EqualsAscii(ReadOnlySpan<byte> bytes, ReadOnlySpan<char> chars)
    {
        if (bytes.Length != chars.Length)
        {
            return false;
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != chars[i])
            {
                return false;
            }
        }

        return true;
    }
}
