using System.Buffers.Binary;
using System.Text;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Session;

/// <summary>
/// Macros by stage, as libmilter keeps them: a MACRO packet replaces its stage's set; lookups search the latest
/// stage first (EOM, EOH, DATA, RCPT, MAIL, HELO, CONNECT), so later stages shadow earlier ones; <c>i</c> and
/// <c>{i}</c> are the same name. CONNECT clears HELO…EOM, HELO clears MAIL…EOM, MAIL clears RCPT…EOM, RCPT
/// clears DATA…EOM; ABORT clears nothing. Storage is reused between packets: no allocation in steady state.
/// A value held inside its connection (<see cref="MilterContext.Macros"/>), not an object of its own.
/// </summary>
public struct MacroTable
{
    // Stage letters in storage order; lookups go from the end (latest stage first: E B N L T R M H C, then U). L and B
    // are Postfix's per-header and per-body-chunk stages, U its unknown-command stage, looked up last.
    private static ReadOnlySpan<byte> StorageOrder => "UCHMRTLNBE"u8;

    // Every stage's packet as received (complete pairs only) in one array, in storage order, each behind a header of its
    // stage's index and its length; an idle connection (CONNECT, HELO) holds one array the size of what it was sent.
    private const int HeaderSize = 1 + sizeof(int);
    private byte[]? _data;
    private int _used;

    /// <summary>Stores a MACRO packet's pairs for its stage; stages outside C H M R T L N B E U are ignored.</summary>
    public void Set(in MacroCommand command)
    {
        int stage = StorageOrder.IndexOf(command.Stage);
        if (stage < 0)
        {
            return;
        }

        ReadOnlySpan<byte> pairs = command.Pairs.Span;
        pairs = pairs[..CompletePairsLength(pairs, command.StringCount / 2)];

        // The stage's record goes where it is, or before the first later stage's.
        int at = RecordsFrom(stage);
        int after = at < _used && _data![at] == stage ? at + HeaderSize + Length(at) : at;
        int tail = _used - after;
        int used = at + HeaderSize + pairs.Length + tail;
        if (_data is null || _data.Length < used)
        {
            // Exactly what an idle connection needs up to HELO; room to spare once a message begins.
            var grown = new byte[stage <= 2 || _data is null ? used : Math.Max(used, _data.Length * 2)];
            _data?.AsSpan(0, at).CopyTo(grown);
            _data?.AsSpan(after, tail).CopyTo(grown.AsSpan(used - tail));
            _data = grown;
        }
        else
        {
            _data.AsSpan(after, tail).CopyTo(_data.AsSpan(used - tail)); // overlapping moves are safe
        }

        _data[at] = (byte)stage;
        BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(at + 1), pairs.Length);
        pairs.CopyTo(_data.AsSpan(at + HeaderSize));
        _used = used;
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
    public void Clear() => _used = 0;

    /// <summary>Looks a macro up by name, with or without braces; the value is valid until the next MACRO packet.</summary>
    public readonly bool TryGetValue(ReadOnlySpan<char> name, out ReadOnlySpan<byte> value)
    {
        name = StripBraces(name);
        Span<int> records = stackalloc int[StorageOrder.Length];
        for (int i = Records(records) - 1; i >= 0; i--)
        {
            ReadOnlySpan<byte> pairs = Pairs(records[i]);
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
    public readonly string? GetValue(string name) =>
        TryGetValue(name, out ReadOnlySpan<byte> value) ? Encoding.Latin1.GetString(value) : null;

    /// <summary>Every visible macro (shadowed ones left out), for diagnostics.</summary>
    public readonly IReadOnlyList<KeyValuePair<string, string>> ToList()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, string>>();
        Span<int> records = stackalloc int[StorageOrder.Length];
        for (int i = Records(records) - 1; i >= 0; i--)
        {
            ReadOnlySpan<byte> pairs = Pairs(records[i]);
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

    private void ClearAfter(byte stage) => _used = RecordsFrom(StorageOrder.IndexOf(stage) + 1);

    /// <summary>Where the first record of stage <paramref name="stage"/> or later begins (the end when there is none).</summary>
    private readonly int RecordsFrom(int stage)
    {
        int offset = 0;
        while (offset < _used && _data![offset] < stage)
        {
            offset += HeaderSize + Length(offset);
        }

        return offset;
    }

    /// <summary>Fills <paramref name="offsets"/> with where each record begins, in storage order; returns how many.</summary>
    private readonly int Records(Span<int> offsets)
    {
        int count = 0;
        for (int offset = 0; offset < _used; offset += HeaderSize + Length(offset))
        {
            offsets[count++] = offset;
        }

        return count;
    }

    private readonly int Length(int record) => BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(record + 1));

    private readonly ReadOnlySpan<byte> Pairs(int record) => _data.AsSpan(record + HeaderSize, Length(record));

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
