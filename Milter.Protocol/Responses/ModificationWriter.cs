using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Responses;

/// <summary>Encoders of the end-of-message changes (milter side).</summary>
public static class ModificationWriter
{
    /// <summary>SMFIR_ADDHEADER: <c>name\0 value\0</c>.</summary>
    public static void AddHeader(IBufferWriter<byte> output, string name, string value)
    {
        MilterFrameWriter.WriteHeader(output, (byte)MilterResponseCode.AddHeader, name.Length + value.Length + 2);
        MilterFrameWriter.WriteCString(output, name);
        MilterFrameWriter.WriteCString(output, value);
    }

    /// <summary>SMFIR_INSHEADER: <c>uint32 index | name\0 value\0</c>; index 0 is the top.</summary>
    public static void InsertHeader(IBufferWriter<byte> output, uint index, string name, string value) =>
        IndexedHeader(output, MilterResponseCode.InsertHeader, index, name, value);

    /// <summary>SMFIR_CHGHEADER: <c>uint32 index | name\0 value\0</c>; 1-based among headers of that name; empty value deletes.</summary>
    public static void ChangeHeader(IBufferWriter<byte> output, uint index, string name, string value) =>
        IndexedHeader(output, MilterResponseCode.ChangeHeader, index, name, value);

    /// <summary>SMFIR_ADDRCPT: <c>rcpt\0</c>.</summary>
    public static void AddRecipient(IBufferWriter<byte> output, string recipient) =>
        Strings(output, MilterResponseCode.AddRecipient, recipient, null);

    /// <summary>SMFIR_ADDRCPT_PAR: <c>rcpt\0 [args\0]</c>, the ESMTP arguments as one space-separated string.</summary>
    public static void AddRecipient(IBufferWriter<byte> output, string recipient, string? arguments) =>
        Strings(output, MilterResponseCode.AddRecipientWithArguments, recipient, arguments);

    /// <summary>SMFIR_DELRCPT: <c>rcpt\0</c>.</summary>
    public static void DeleteRecipient(IBufferWriter<byte> output, string recipient) =>
        Strings(output, MilterResponseCode.DeleteRecipient, recipient, null);

    /// <summary>SMFIR_CHGFROM: <c>sender\0 [args\0]</c>.</summary>
    public static void ChangeSender(IBufferWriter<byte> output, string sender, string? arguments) =>
        Strings(output, MilterResponseCode.ChangeSender, sender, arguments);

    /// <summary>SMFIR_QUARANTINE: <c>reason\0</c>.</summary>
    public static void Quarantine(IBufferWriter<byte> output, string reason) =>
        Strings(output, MilterResponseCode.Quarantine, reason, null);

    /// <summary>SMFIR_REPLBODY, split into chunks of at most 65535 bytes, all contiguous.</summary>
    public static void ReplaceBody(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            MilterFrameWriter.WriteEmpty(output, (byte)MilterResponseCode.ReplaceBody);
            return;
        }

        while (!body.IsEmpty)
        {
            int n = Math.Min(body.Length, ProtocolLimits.ChunkSize);
            MilterFrameWriter.WriteFrame(output, (byte)MilterResponseCode.ReplaceBody, body[..n]);
            body = body[n..];
        }
    }

    /// <summary>SMFIR_PROGRESS.</summary>
    public static void Progress(IBufferWriter<byte> output) => MilterFrameWriter.WriteEmpty(output, (byte)MilterResponseCode.Progress);

    private static void IndexedHeader(IBufferWriter<byte> output, MilterResponseCode code, uint index, string name, string value)
    {
        MilterFrameWriter.WriteHeader(output, (byte)code, 4 + name.Length + value.Length + 2);
        MilterFrameWriter.WriteUInt32(output, index);
        MilterFrameWriter.WriteCString(output, name);
        MilterFrameWriter.WriteCString(output, value);
    }

    private static void Strings(IBufferWriter<byte> output, MilterResponseCode code, string first, string? second)
    {
        int length = first.Length + 1 + (second is null ? 0 : second.Length + 1);
        MilterFrameWriter.WriteHeader(output, (byte)code, length);
        MilterFrameWriter.WriteCString(output, first);
        if (second is not null)
        {
            MilterFrameWriter.WriteCString(output, second);
        }
    }
}
