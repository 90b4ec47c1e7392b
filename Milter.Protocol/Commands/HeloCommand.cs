using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>SMFIC_HELO: <c>helo\0</c>, the HELO/EHLO argument verbatim.</summary>
public readonly struct HeloCommand
{
    public HeloCommand(MilterString name) => Name = name;

    public MilterString Name { get; }

    public static HeloCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "HELO");
        return new HeloCommand(new MilterString(reader.ReadCString("name")));
    }

    public void Write(IBufferWriter<byte> output)
    {
        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.Helo, Name.Length + 1);
        MilterFrameWriter.WriteCString(output, Name.Span);
    }
}
