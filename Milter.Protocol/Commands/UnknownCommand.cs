using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>SMFIC_UNKNOWN: <c>line\0</c>, the whole SMTP command line the MTA did not recognise.</summary>
public readonly struct UnknownCommand
{
    public UnknownCommand(MilterString line) => Line = line;

    public MilterString Line { get; }

    public static UnknownCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "UNKNOWN");
        return new UnknownCommand(new MilterString(reader.ReadCString("line")));
    }

    public void Write(IBufferWriter<byte> output)
    {
        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.Unknown, Line.Length + 1);
        MilterFrameWriter.WriteCString(output, Line.Span);
    }
}
