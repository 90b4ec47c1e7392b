using System.Text;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Responses;

/// <summary>One end-of-message change as the MTA side decodes it.</summary>
public sealed record MessageModification
{
    public required MilterResponseCode Code { get; init; }

    /// <summary>Header name (ADDHEADER, INSHEADER, CHGHEADER).</summary>
    public string? Name { get; init; }

    /// <summary>Header value, recipient, sender or quarantine reason.</summary>
    public string? Value { get; init; }

    /// <summary>ESMTP arguments of ADDRCPT_PAR / CHGFROM.</summary>
    public string? Arguments { get; init; }

    /// <summary>Index of INSHEADER / CHGHEADER.</summary>
    public uint Index { get; init; }

    /// <summary>Body chunk of REPLBODY.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The action flag the MTA must have granted for this change.</summary>
    public MilterActions RequiredAction => RequiredActionFor(Code);

    public static MilterActions RequiredActionFor(MilterResponseCode code) => code switch
    {
        MilterResponseCode.AddHeader or MilterResponseCode.InsertHeader => MilterActions.AddHeaders,
        MilterResponseCode.ChangeHeader => MilterActions.ChangeHeaders,
        MilterResponseCode.ReplaceBody => MilterActions.ChangeBody,
        MilterResponseCode.AddRecipient => MilterActions.AddRecipients,
        MilterResponseCode.AddRecipientWithArguments => MilterActions.AddRecipientsWithArguments,
        MilterResponseCode.DeleteRecipient => MilterActions.DeleteRecipients,
        MilterResponseCode.ChangeSender => MilterActions.ChangeSender,
        MilterResponseCode.Quarantine => MilterActions.Quarantine,
        _ => MilterActions.None,
    };

    public static bool IsModification(MilterResponseCode code) => RequiredActionFor(code) != MilterActions.None;

    /// <summary>Decodes a change packet; throws <see cref="MilterProtocolException"/> when malformed.</summary>
    public static MessageModification Parse(MilterResponseCode code, ReadOnlyMemory<byte> data)
    {
        string what = code.ToString();
        var reader = new PayloadReader(data, what);
        switch (code)
        {
            case MilterResponseCode.AddHeader:
                return new() { Code = code, Name = Text(reader.ReadCString("name")), Value = Text(reader.ReadCString("value")) };
            case MilterResponseCode.InsertHeader:
            case MilterResponseCode.ChangeHeader:
                uint index = reader.ReadUInt32("index");
                return new() { Code = code, Index = index, Name = Text(reader.ReadCString("name")), Value = Text(reader.ReadCString("value")) };
            case MilterResponseCode.ReplaceBody:
                return new() { Code = code, Body = data.ToArray() };
            case MilterResponseCode.AddRecipientWithArguments:
            case MilterResponseCode.ChangeSender:
                string address = Text(reader.ReadCString("address"));
                string? arguments = reader.End ? null : Text(reader.ReadCString("arguments"));
                return new() { Code = code, Value = address, Arguments = arguments };
            case MilterResponseCode.AddRecipient:
            case MilterResponseCode.DeleteRecipient:
            case MilterResponseCode.Quarantine:
                return new() { Code = code, Value = Text(reader.ReadCString("value")) };
            default:
                MilterProtocolException.Throw(ProtocolViolation.UnexpectedResponse, $"'{(char)code}' is not a message change");
                return null!;
        }
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.Latin1.GetString(bytes.Span);
}
