using System.Buffers.Binary;
using System.Text;

namespace Milter.Protocol.Tests.Support;

/// <summary>
/// One MTA→milter packet as the packet logs of Captures/ show it (one line per decoded packet, data as Python bytes
/// reprs), or as <see cref="RecordingMilter"/> received it: the command letter and its data bytes. The log keeps only
/// the first 40 and last 20 bytes of a BODY, so a body compares by length, head and tail.
/// </summary>
public sealed record CapturedPacket(char Command, byte[] Data)
{
    private const int BodyHead = 40;
    private const int BodyTail = 20;

    /// <summary>The form packets are compared in: the data as text with NUL shown as <c>\0</c>; BODY as length, head, tail.</summary>
    public string Canonical => Command == 'B'
        ? $"B len={Data.Length} head={Show(Data.AsSpan(0, Math.Min(BodyHead, Data.Length)))} tail={Show(Data.AsSpan(Math.Max(0, Data.Length - BodyTail)))}"
        : $"{Command} {Show(Data)}";

    public override string ToString() => Canonical;

    /// <summary>Packets of each connection of a packet-log capture, in order (keyed by the client's <c>addr:port</c>).</summary>
    public static IReadOnlyDictionary<string, List<CapturedPacket>> ParseLog(IEnumerable<string> lines)
    {
        var connections = new Dictionary<string, List<CapturedPacket>>();
        foreach (string line in lines)
        {
            int arrow = line.IndexOf(" <- ", StringComparison.Ordinal);
            if (line.StartsWith('#') || arrow < 0)
            {
                continue; // comments, "QUIT", "EOF", replies ("->")
            }

            string connection = line[..arrow];
            if (!connections.TryGetValue(connection, out List<CapturedPacket>? packets))
            {
                connections[connection] = packets = [];
            }

            packets.Add(ParseEntry(line[(arrow + 4)..]));
        }

        return connections;
    }

    /// <summary>A BODY rebuilt from the log's head and tail (exact for bodies up to 60 bytes).</summary>
    public static byte[] BodyFromHeadAndTail(int length, byte[] head, byte[] tail)
    {
        if (length > BodyHead + BodyTail)
        {
            throw new ArgumentException($"a {length}-byte body cannot be rebuilt from the log's head and tail");
        }

        return length <= head.Length ? head : [.. head, .. tail[(head.Length + tail.Length - length)..]];
    }

    private static CapturedPacket ParseEntry(string entry)
    {
        var literals = PythonBytes.All(entry);
        if (entry.StartsWith("OPTNEG ", StringComparison.Ordinal))
        {
            var data = new byte[12];
            BinaryPrimitives.WriteUInt32BigEndian(data, uint.Parse(Field(entry, "version="), System.Globalization.CultureInfo.InvariantCulture));
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), Convert.ToUInt32(Field(entry, "actions="), 16));
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(8), Convert.ToUInt32(Field(entry, "pflags="), 16));
            return new CapturedPacket('O', [.. data, .. literals[0]]);
        }

        if (entry.StartsWith("MACRO for ", StringComparison.Ordinal))
        {
            // the log printed the data split at NUL: joining with NUL gives the bytes back
            byte[] joined = literals.Skip(1).SelectMany((l, i) => i == 0 ? l : [0, .. l]).ToArray();
            return new CapturedPacket('D', [.. literals[0], .. joined]);
        }

        if (entry.StartsWith("CONNECT ", StringComparison.Ordinal))
        {
            var port = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(port, ushort.Parse(Field(entry, "port="), System.Globalization.CultureInfo.InvariantCulture));
            return new CapturedPacket('C', [.. literals[0], 0, .. literals[1], .. port, .. literals[2]]);
        }

        if (entry.StartsWith("BODY ", StringComparison.Ordinal))
        {
            int length = int.Parse(Field(entry, "len="), System.Globalization.CultureInfo.InvariantCulture);
            return new CapturedPacket('B', BodyFromHeadAndTail(length, literals[0], literals[1]));
        }

        return new CapturedPacket(entry[0], literals[0]); // "X data=b'...'"
    }

    private static string Field(string entry, string name)
    {
        int start = entry.IndexOf(name, StringComparison.Ordinal) + name.Length;
        int end = entry.IndexOf(' ', start);
        return (end < 0 ? entry[start..] : entry[start..end]).Replace("0x", string.Empty, StringComparison.Ordinal);
    }

    private static string Show(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes).Replace("\0", "\\0", StringComparison.Ordinal);
}
