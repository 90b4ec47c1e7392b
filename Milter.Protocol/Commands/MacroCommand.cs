using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Commands;

/// <summary>
/// SMFIC_MACRO: <c>stage-letter [name\0 value\0]*</c>. The stage is the command letter the macros belong to;
/// an empty list (stage byte only) is normal Sendmail traffic. Never answered.
/// </summary>
public readonly struct MacroCommand
{
    public MacroCommand(byte stage, ReadOnlyMemory<byte> pairs, int stringCount)
    {
        Stage = stage;
        Pairs = pairs;
        StringCount = stringCount;
    }

    /// <summary>The command letter (<c>C H M R T L N B E U</c>) these macros precede.</summary>
    public byte Stage { get; }

    /// <summary>The raw <c>name\0value\0</c> block.</summary>
    public ReadOnlyMemory<byte> Pairs { get; }

    /// <summary>Number of strings in <see cref="Pairs"/>; a dangling name without value is ignored.</summary>
    public int StringCount { get; }

    public static MacroCommand Parse(ReadOnlyMemory<byte> data)
    {
        var reader = new PayloadReader(data, "MACRO");
        byte stage = reader.ReadByte("stage");
        ReadOnlyMemory<byte> pairs = reader.ReadRest();
        int count = ArgumentList.CountStrings(pairs.Span, "MACRO");
        return new MacroCommand(stage, pairs, count);
    }

    /// <summary>Encodes a macro packet for <paramref name="stage"/> (MTA side).</summary>
    public static void Write(IBufferWriter<byte> output, byte stage, IReadOnlyList<KeyValuePair<string, string>> macros)
    {
        int length = 1;
        foreach (KeyValuePair<string, string> macro in macros)
        {
            length += MilterFrameWriter.CStringLength(macro.Key) + MilterFrameWriter.CStringLength(macro.Value);
        }

        MilterFrameWriter.WriteHeader(output, (byte)MilterCommandCode.Macro, length);
        MilterFrameWriter.WriteByte(output, stage);
        foreach (KeyValuePair<string, string> macro in macros)
        {
            MilterFrameWriter.WriteCString(output, macro.Key);
            MilterFrameWriter.WriteCString(output, macro.Value);
        }
    }
}
