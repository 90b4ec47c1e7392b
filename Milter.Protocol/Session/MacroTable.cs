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
    // Stage letters in lookup order, latest first. L and B are Postfix's per-header and per-body-chunk stages,
    // U its unknown-command stage.
    private static ReadOnlySpan<byte> LookupOrder => "EBNLTRMHCU"u8;

    // A slot is created when its stage first gets a packet: an idle connection holds only the stages it saw.
    private readonly Slot?[] _slots = new Slot?[10];

    /// <summary>Stores a MACRO packet's pairs for its stage; stages outside C H M R T L N B E U are ignored.</summary>
    public void Set(in MacroCommand command)
    {
        int index = LookupOrder.IndexOf(command.Stage);
        if (index >= 0)
        {
            (_slots[index] ??= new Slot()).Store(command.Pairs.Span, command.StringCount);
        }
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
        foreach (Slot? slot in _slots)
        {
            slot?.Count = 0;
        }
    }

    /// <summary>Looks a macro up by name, with or without braces; the value is valid until the next MACRO packet for its stage.</summary>
    public bool TryGetValue(ReadOnlySpan<char> name, out ReadOnlySpan<byte> value)
    {
        name = StripBraces(name);
        foreach (Slot? slot in _slots)
        {
            if (slot is not null && slot.TryGet(name, out value))
            {
                return true;
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
        foreach (Slot? slot in _slots)
        {
            for (int i = 0; i < (slot?.Count ?? 0); i++)
            {
                string name = Encoding.Latin1.GetString(slot!.Name(i));
                if (seen.Add(StripBraces(name.AsSpan()).ToString()))
                {
                    result.Add(new(name, Encoding.Latin1.GetString(slot.Value(i))));
                }
            }
        }

        return result;
    }

    private void ClearAfter(byte stage)
    {
        // Stages later than `stage` come before it in LookupOrder (U, the last, is never cleared by a step).
        int index = LookupOrder.IndexOf(stage);
        for (int i = 0; i < index; i++)
        {
            _slots[i]?.Count = 0;
        }
    }

    private static ReadOnlySpan<char> StripBraces(ReadOnlySpan<char> name) =>
        name.Length >= 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;

    private static ReadOnlySpan<byte> StripBraces(ReadOnlySpan<byte> name) =>
        name.Length >= 2 && name[0] == (byte)'{' && name[^1] == (byte)'}' ? name[1..^1] : name;

    private sealed class Slot
    {
        private byte[] _buffer = [];
        private (int NameStart, int NameLength, int ValueStart, int ValueLength)[] _entries = [];

        public int Count { get; set; }

        public ReadOnlySpan<byte> Name(int i) => _buffer.AsSpan(_entries[i].NameStart, _entries[i].NameLength);

        public ReadOnlySpan<byte> Value(int i) => _buffer.AsSpan(_entries[i].ValueStart, _entries[i].ValueLength);

        public void Store(ReadOnlySpan<byte> pairs, int stringCount)
        {
            // Sized to the first packet (an idle connection keeps only what it was sent), grown by doubling later.
            if (_buffer.Length < pairs.Length)
            {
                _buffer = new byte[Math.Max(pairs.Length, _buffer.Length * 2)];
            }

            int pairCount = stringCount / 2;
            if (_entries.Length < pairCount)
            {
                _entries = new (int, int, int, int)[Math.Max(pairCount, _entries.Length * 2)];
            }

            pairs.CopyTo(_buffer);
            int position = 0;
            for (int i = 0; i < pairCount; i++)
            {
                int nameLength = _buffer.AsSpan(position).IndexOf((byte)0);
                int valueStart = position + nameLength + 1;
                int valueLength = _buffer.AsSpan(valueStart).IndexOf((byte)0);
                _entries[i] = (position, nameLength, valueStart, valueLength);
                position = valueStart + valueLength + 1;
            }

            Count = pairCount;
        }

        public bool TryGet(ReadOnlySpan<char> name, out ReadOnlySpan<byte> value)
        {
            for (int i = 0; i < Count; i++)
            {
                if (EqualsAscii(StripBraces(Name(i)), name))
                {
                    value = Value(i);
                    return true;
                }
            }

            value = default;
            return false;
        }

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
}
