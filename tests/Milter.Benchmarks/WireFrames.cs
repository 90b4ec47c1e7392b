using System.Buffers;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;

namespace Milter.Benchmarks;

/// <summary>Command frames as Sendmail 8.17 sends them, encoded once with the protocol's own writers.</summary>
internal static class WireFrames
{
    public static byte[] OptionNegotiation() =>
        Encode(o => new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All).Write(o));

    public static byte[] ConnectMacros(string address) => Macros('C', ("j", "mx.bench.example"), ("{daemon_name}", "MTA"), ("{client_addr}", address));

    public static byte[] Connect4() => Encode(o => new ConnectCommand("client1.bench.example", ConnectFamily.Inet, 41234, "192.0.2.17").Write(o));

    public static byte[] Connect6() => Encode(o => new ConnectCommand("client6.bench.example", ConnectFamily.Inet6, 41234, "IPv6:2001:db8::17").Write(o));

    public static byte[] Helo() => Encode(o => new HeloCommand("client1.bench.example").Write(o));

    public static byte[] MailMacros() => Macros('M', ("i", "5BENCH0001"), ("{mail_addr}", "sender@bench.example"), ("{mail_mailer}", "esmtp"));

    public static byte[] Mail() => Encode(o => EnvelopeCommand.Write(o, MilterCommandCode.Mail, "<sender@bench.example>", ["SIZE=10240", "BODY=8BITMIME"]));

    public static byte[] RcptMacros(int i) => Macros('R', ("{rcpt_addr}", $"rcpt{i}@bench.example"), ("{rcpt_mailer}", "local"));

    public static byte[] Rcpt(int i) => Encode(o => EnvelopeCommand.Write(o, MilterCommandCode.Rcpt, $"<rcpt{i}@bench.example>", []));

    public static byte[] Data() => Encode(o => MilterFrameWriter.WriteEmpty(o, (byte)MilterCommandCode.Data));

    public static byte[] Header(string name = "Subject", string value = "load test message") => Encode(o => new HeaderCommand(name, value).Write(o));

    public static byte[] EndOfHeaders() => Encode(o => MilterFrameWriter.WriteEmpty(o, (byte)MilterCommandCode.EndOfHeaders));

    public static byte[] Body(int size)
    {
        var body = new byte[size];
        ReadOnlySpan<byte> line = "The quick brown fox jumps over the lazy dog; load test body line.\r\n"u8;
        for (int at = 0; at < size; at += line.Length)
        {
            line[..Math.Min(line.Length, size - at)].CopyTo(body.AsSpan(at));
        }

        return Encode(o => MilterFrameWriter.WriteFrame(o, (byte)MilterCommandCode.Body, body));
    }

    public static byte[] EndOfMessageMacros() => Macros('E', ("i", "5BENCH0001"));

    public static byte[] EndOfMessage() => Encode(o => MilterFrameWriter.WriteEmpty(o, (byte)MilterCommandCode.EndOfMessage));

    public static byte[] Unknown() => Encode(o => new UnknownCommand("XFOO some unknown command").Write(o));

    public static byte[] Quit() => Encode(o => MilterFrameWriter.WriteEmpty(o, (byte)MilterCommandCode.Quit));

    public static byte[] Macros(char stage, params (string Name, string Value)[] pairs) =>
        Encode(o => MacroCommand.Write(o, (byte)stage, pairs.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToArray()));

    public static byte[] Concat(params byte[][] frames) => frames.SelectMany(f => f).ToArray();

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
