using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>SMFIC_OPTNEG from the MTA: <c>uint32 version | uint32 actions offered | uint32 protocol steps offered</c>.</summary>
public readonly record struct OptionNegotiationCommand(uint Version, MilterActions Actions, MilterProtocolFlags Flags)
{
    /// <summary><c>MILTER_OPTLEN</c>.</summary>
    public const int Length = 12;

    public static OptionNegotiationCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "OPTNEG");
        if (reader.Remaining < Length)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"OPTNEG: {reader.Remaining} bytes, {Length} needed");
        }

        uint version = reader.ReadUInt32("version");
        uint actions = reader.ReadUInt32("actions");
        uint flags = reader.ReadUInt32("protocol");
        return new OptionNegotiationCommand(version, (MilterActions)actions, (MilterProtocolFlags)flags);
    }

    public void Write(IBufferWriter<byte> output)
    {
        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.OptionNegotiation, Length);
        MilterFrameWriter.WriteUInt32(output, Version);
        MilterFrameWriter.WriteUInt32(output, (uint)Actions);
        MilterFrameWriter.WriteUInt32(output, (uint)Flags);
    }
}
