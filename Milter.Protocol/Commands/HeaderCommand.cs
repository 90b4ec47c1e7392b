using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>
/// SMFIC_HEADER: <c>name\0 value\0</c>. Folding is kept with bare LF; unless <c>SMFIP_HDR_LEADSPC</c> was
/// negotiated the MTA has removed exactly one leading space from the value.
/// </summary>
public readonly struct HeaderCommand
{
    public HeaderCommand(MilterString name, MilterString value)
    {
        Name = name;
        Value = value;
    }

    public MilterString Name { get; }

    public MilterString Value { get; }

    public static HeaderCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "HEADER");
        ReadOnlyMemory<byte> name = reader.ReadCString("name");
        if (reader.End)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, "HEADER: value missing");
        }

        ReadOnlyMemory<byte> value = reader.ReadCString("value");
        return new HeaderCommand(new MilterString(name), new MilterString(value));
    }

    public void Write(IBufferWriter<byte> output)
    {
        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.Header, Name.Length + Value.Length + 2);
        MilterFrameWriter.WriteCString(output, Name.Span);
        MilterFrameWriter.WriteCString(output, Value.Span);
    }
}
