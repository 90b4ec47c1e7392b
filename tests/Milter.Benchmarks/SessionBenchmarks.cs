using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;

namespace Milter.Benchmarks;

/// <summary>
/// A whole message (MAIL, 3 × RCPT, DATA, 6 headers, EOH, 10 KB body, EOM with their macro packets) through a
/// <see cref="MilterSession"/> over in-memory pipes with inline schedulers: the session runs synchronously inside
/// the benchmark's flush, so the figure is the session's own cost per message, replies written and drained.
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private static readonly PipeOptions Inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private Pipe _toMilter = null!;
    private Pipe _toMta = null!;
    private Task _session = Task.CompletedTask;
    private byte[] _message = [];

    [GlobalSetup]
    public void Setup()
    {
        _toMilter = new Pipe(Inline);
        _toMta = new Pipe(Inline);
        var session = new MilterSession(new DuplexPipe(_toMilter.Reader, _toMta.Writer), new BenchHandler(), connectionId: "bench");
        _session = session.RunAsync(CancellationToken.None);
        Send(WireFrames.Concat(
            WireFrames.OptionNegotiation(),
            WireFrames.ConnectMacros("192.0.2.17"),
            WireFrames.Connect4(),
            WireFrames.Macros('H'),
            WireFrames.Helo()));
        var frames = new List<byte[]> { WireFrames.MailMacros(), WireFrames.Mail() };
        for (int i = 0; i < 3; i++)
        {
            frames.Add(WireFrames.RcptMacros(i));
            frames.Add(WireFrames.Rcpt(i));
        }

        frames.Add(WireFrames.Data());
        foreach ((string name, string value) in new[] { ("From", "Sender <sender@bench.example>"), ("To", "rcpt0@bench.example"), ("Subject", "load test message"), ("Message-ID", "<bench.1@bench.example>"), ("Date", "Mon, 1 Jan 2024 00:00:00 +0000"), ("MIME-Version", "1.0") })
        {
            frames.Add(WireFrames.Header(name, value));
        }

        frames.AddRange([WireFrames.EndOfHeaders(), WireFrames.Body(10240), WireFrames.EndOfMessageMacros(), WireFrames.EndOfMessage()]);
        _message = WireFrames.Concat([.. frames]);
        if (Message() != (byte)MilterResponseCode.Accept)
        {
            throw new InvalidOperationException("the session did not accept the message");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Send(WireFrames.Quit());
        _session.GetAwaiter().GetResult();
    }

    /// <summary>Returns the code of the last reply (ACCEPT).</summary>
    [Benchmark]
    public byte Message() => Send(_message);

    private byte Send(byte[] bytes)
    {
        _toMilter.Writer.Write(bytes);
        ValueTask<FlushResult> flush = _toMilter.Writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            throw new InvalidOperationException("the session did not run inline");
        }

        byte last = 0;
        if (_toMta.Reader.TryRead(out ReadResult result))
        {
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                last = buffer.Slice(buffer.Length - 1).FirstSpan[0];
            }

            _toMta.Reader.AdvanceTo(buffer.End);
        }

        return last;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Looks at macros, addresses and headers the way a policy filter does, without copying them out.</summary>
    private sealed class BenchHandler : IMilterHandler
    {
        private int _seen;

        public MilterNegotiation Negotiation { get; } = new() { OptionalActions = MilterActions.AddHeaders };

        public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken) =>
            Continue(context.Macros.TryGetValue("{client_addr}", out ReadOnlySpan<byte> address) ? address.Length : 0);

        public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken) =>
            Continue(sender.Address.Span.IndexOf("reject@"u8) + (context.Macros.TryGetValue("i", out ReadOnlySpan<byte> id) ? id.Length : 0));

        public ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken) =>
            Continue(recipient.Address.Span.IndexOf("badrcpt@"u8));

        public ValueTask<MilterResponse> HeaderAsync(MilterContext context, HeaderCommand header, CancellationToken cancellationToken) =>
            Continue(header.Name.Equals("subject", ignoreCase: true) ? header.Value.Length : 0);

        public ValueTask<MilterResponse> BodyAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
            Continue(chunk.Span.IndexOf("REPLACE-ME"u8));

        public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
        {
            context.AddHeader("X-Bench", "ok");
            return new(MilterResponse.Accept);
        }

        private ValueTask<MilterResponse> Continue(int observed)
        {
            _seen += observed;
            return new(MilterResponse.Continue);
        }
    }
}
