using System.Buffers;
using System.Text;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Negotiation;

/// <summary>
/// The milter's OPTNEG answer: <c>uint32 version | uint32 actions | uint32 steps | { uint32 stage, "names"\0 }*</c>.
/// </summary>
public sealed record OptionNegotiationReply(
    uint Version,
    MilterActions Actions,
    MilterProtocolFlags Flags,
    IReadOnlyList<KeyValuePair<MacroStage, string>> SymbolLists)
{
    public void Write(IBufferWriter<byte> output)
    {
        int length = OptionNegotiationCommand.Length;
        foreach (KeyValuePair<MacroStage, string> list in SymbolLists)
        {
            length += 4 + MilterFrameWriter.CStringLength(list.Value);
        }

        MilterFrameWriter.WriteHeader(output, (byte)MilterResponseCode.OptionNegotiation, length);
        MilterFrameWriter.WriteUInt32(output, Version);
        MilterFrameWriter.WriteUInt32(output, (uint)Actions);
        MilterFrameWriter.WriteUInt32(output, (uint)Flags);
        foreach (KeyValuePair<MacroStage, string> list in SymbolLists)
        {
            MilterFrameWriter.WriteUInt32(output, (uint)list.Key);
            MilterFrameWriter.WriteCString(output, list.Value);
        }
    }

    public static OptionNegotiationReply Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "OPTNEG reply");
        if (reader.Remaining < OptionNegotiationCommand.Length)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"OPTNEG reply: {reader.Remaining} bytes, 12 needed");
        }

        uint version = reader.ReadUInt32("version");
        var actions = (MilterActions)reader.ReadUInt32("actions");
        var flags = (MilterProtocolFlags)reader.ReadUInt32("protocol");
        var lists = new List<KeyValuePair<MacroStage, string>>();
        while (!reader.End)
        {
            var stage = (MacroStage)reader.ReadUInt32("symbol list stage");
            string names = Encoding.Latin1.GetString(reader.ReadCString("symbol list").Span);
            lists.Add(new(stage, names));
        }

        return new OptionNegotiationReply(version, actions, flags, lists);
    }
}
