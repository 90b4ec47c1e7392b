using System.Buffers;
using BenchmarkDotNet.Attributes;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;
using Milter.Protocol.Session;

namespace Milter.Benchmarks;

/// <summary>
/// One command frame from a <see cref="ReadOnlySequence{T}"/> through <see cref="MilterFrameReader.TryReadFrame(ref ReadOnlySequence{byte}, int, Func{byte, bool}, out byte, out ReadOnlySequence{byte})"/>
/// and the command's Parse, as <see cref="MilterSession"/> does it. Every case must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class CommandDecodingBenchmarks
{
    private const int MaxData = ProtocolLimits.DefaultMaxDataSize;
    private readonly byte[] _scratch = new byte[MaxData];
    private MacroTable _macros;
    private ReadOnlySequence<byte> _optneg;
    private ReadOnlySequence<byte> _macro;
    private ReadOnlySequence<byte> _connect4;
    private ReadOnlySequence<byte> _connect6;
    private ReadOnlySequence<byte> _helo;
    private ReadOnlySequence<byte> _mail;
    private ReadOnlySequence<byte> _rcpt;
    private ReadOnlySequence<byte> _header;
    private ReadOnlySequence<byte> _body;
    private ReadOnlySequence<byte> _bodySegmented;
    private ReadOnlySequence<byte> _unknown;

    [GlobalSetup]
    public void Setup()
    {
        _optneg = new(WireFrames.OptionNegotiation());
        _macro = new(WireFrames.ConnectMacros("192.0.2.17"));
        _connect4 = new(WireFrames.Connect4());
        _connect6 = new(WireFrames.Connect6());
        _helo = new(WireFrames.Helo());
        _mail = new(WireFrames.Mail());
        _rcpt = new(WireFrames.Rcpt(1));
        _header = new(WireFrames.Header());
        byte[] body = WireFrames.Body(10240);
        _body = new(body);
        _bodySegmented = Segments.Split(body, 4096); // as a Pipe with 4 KiB segments delivers it
        _unknown = new(WireFrames.Unknown());
        _macros.Set(MacroCommand.Parse(Frame(_macro)));
    }

    [Benchmark]
    public uint OptionNegotiation() => OptionNegotiationCommand.Parse(Frame(_optneg)).Version;

    [Benchmark]
    public int Macro()
    {
        MacroCommand macro = MacroCommand.Parse(Frame(_macro));
        return macro.StringCount;
    }

    [Benchmark]
    public int Connect4() => ConnectCommand.Parse(Frame(_connect4)).Address.Length;

    [Benchmark]
    public int Connect6() => ConnectCommand.Parse(Frame(_connect6)).Address.Length;

    [Benchmark]
    public int Helo() => HeloCommand.Parse(Frame(_helo)).Name.Length;

    [Benchmark]
    public int MailWithArguments()
    {
        EnvelopeCommand mail = EnvelopeCommand.Parse(Frame(_mail), "MAIL");
        int length = mail.Address.Length;
        foreach (Milter.Protocol.MilterString argument in mail.Arguments)
        {
            length += argument.Length;
        }

        return length;
    }

    [Benchmark]
    public int Rcpt() => EnvelopeCommand.Parse(Frame(_rcpt), "RCPT").Address.Length;

    [Benchmark]
    public int Header()
    {
        HeaderCommand header = HeaderCommand.Parse(Frame(_header));
        return header.Name.Equals("subject", ignoreCase: true) ? header.Value.Length : 0;
    }

    [Benchmark]
    public int Body10K() => Frame(_body).Length;

    /// <summary>The 10 KB body split over 4 KiB segments: linearised into a reused buffer, as the session does.</summary>
    [Benchmark]
    public int Body10KSegmented() => Frame(_bodySegmented).Length;

    [Benchmark]
    public int Unknown() => UnknownCommand.Parse(Frame(_unknown)).Line.Length;

    /// <summary>A CONNECT macro packet stored, then a lookup by braced name.</summary>
    [Benchmark]
    public int MacroTableSetAndLookup()
    {
        _macros.Set(MacroCommand.Parse(Frame(_macro)));
        return _macros.TryGetValue("{client_addr}", out ReadOnlySpan<byte> value) ? value.Length : -1;
    }

    private ReadOnlyMemory<byte> Frame(ReadOnlySequence<byte> buffer)
    {
        if (!MilterFrameReader.TryReadFrame(ref buffer, MaxData, MilterFrameReader.IsCommandCode, out _, out ReadOnlySequence<byte> data))
        {
            throw new InvalidOperationException("incomplete frame");
        }

        if (data.IsSingleSegment)
        {
            return data.First;
        }

        data.CopyTo(_scratch);
        return _scratch.AsMemory(0, (int)data.Length);
    }
}
