using Milter.Protocol.Commands;

namespace Milter.Protocol.Tests.Support;

/// <summary>Runs the decoder that belongs to a command code.</summary>
public static class CommandDecoding
{
    public static object? Decode(byte code, byte[] data) => (MilterCommandCode)code switch
    {
        MilterCommandCode.OptionNegotiation => OptionNegotiationCommand.Parse(data),
        MilterCommandCode.Macro => MacroCommand.Parse(data),
        MilterCommandCode.Connect => ConnectCommand.Parse(data),
        MilterCommandCode.Helo => HeloCommand.Parse(data),
        MilterCommandCode.Mail => EnvelopeCommand.Parse(data, "MAIL"),
        MilterCommandCode.Rcpt => EnvelopeCommand.Parse(data, "RCPT"),
        MilterCommandCode.Header => HeaderCommand.Parse(data),
        MilterCommandCode.Unknown => UnknownCommand.Parse(data),
        _ => null,
    };
}
