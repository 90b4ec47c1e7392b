using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>
/// SMFIC_MAIL / SMFIC_RCPT: <c>address\0 [esmtp-arg\0]*</c>. The address is as the client wrote it, angle
/// brackets included (<c>&lt;alice@example.org&gt;</c>, null sender <c>&lt;&gt;</c>).
/// </summary>
public readonly struct EnvelopeCommand
{
    public EnvelopeCommand(MilterString address, ArgumentList arguments)
    {
        Address = address;
        Arguments = arguments;
    }

    public MilterString Address { get; }

    /// <summary>ESMTP parameters verbatim (<c>SIZE=300</c>), case preserved.</summary>
    public ArgumentList Arguments { get; }

    public static EnvelopeCommand Parse(ReadOnlyMemory<byte> data, string what)
    {
        var reader = new PayloadReader(data, what);
        if (reader.End)
        {
            MilterProtocolException.Throw(ProtocolViolation.Truncated, $"{what}: address missing");
        }

        ReadOnlyMemory<byte> address = reader.ReadCString("address");
        ReadOnlyMemory<byte> rest = reader.ReadRest();
        int count = ArgumentList.CountStrings(rest.Span, what);
        return new EnvelopeCommand(new MilterString(address), new ArgumentList(rest, count));
    }

    /// <summary>Encodes MAIL or RCPT (MTA side).</summary>
    public static void Write(IBufferWriter<byte> output, MilterCommandCode code, string address, IReadOnlyList<string> arguments)
    {
        int length = MilterFrameWriter.CStringLength(address);
        foreach (string argument in arguments)
        {
            length += MilterFrameWriter.CStringLength(argument);
        }

        MilterFrameWriter.WriteHeader(output, (byte)code, length);
        MilterFrameWriter.WriteCString(output, address);
        foreach (string argument in arguments)
        {
            MilterFrameWriter.WriteCString(output, argument);
        }
    }
}
