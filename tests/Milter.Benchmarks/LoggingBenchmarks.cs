using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Milter.Host.Logging;
using ZLogger;

namespace Milter.Benchmarks;

/// <summary>
/// One decision line through Microsoft.Extensions.Logging's <see cref="ILogger"/>, three ways: the project's sink
/// (<see cref="MilterLoggerProvider"/>, a <see cref="DecisionEntry"/> state written into the output buffer under a lock),
/// ZLogger 2.6.2 (a <c>[ZLoggerMessage]</c> method: the state is queued, a background thread formats it) and
/// Microsoft's console logger as shipped before (a <c>[LoggerMessage]</c> method, one string per line, single-line
/// simple format). Every output goes to a sink that counts lines. <c>*_Line</c>: what the session's thread pays per
/// line (time, allocations). <c>*_Burst1000</c>: 1,000 lines and the wait until the output has all of them, so the
/// background formatting and writing are in the figure too.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public partial class LoggingBenchmarks : IDisposable
{
    private const string QueueId = "5BENCH0001";
    private const string Client = "198.18.3.7";
    private const string Sender = "<user12@sender.bench.example>";
    private const string Recipient = "<rcpt12@remote12.bench.example>";
    private const string Verdict = "550 5.7.1 Relaying denied. Proper authentication required.";
    private const string Rule = "relaying denied: no rule allows this client to relay";

    private readonly DecisionEntry _entry = new("Rcpt", QueueId, Client, Sender, Recipient, 0, Verdict, Rule);
    private CountingTarget _oursTarget = null!;
    private CountingStream _zloggerStream = null!;
    private CountingWriter _consoleWriter = null!;
    private MilterLoggerProvider _ours = null!;
    private ILoggerFactory _oursFactory = null!;
    private ILoggerFactory _zloggerFactory = null!;
    private ILoggerFactory _consoleFactory = null!;
    private ILogger _oursLogger = null!;
    private ILogger _zlogger = null!;
    private ILogger _console = null!;
    private TextWriter _stdout = null!;

    [GlobalSetup]
    public void Setup()
    {
        _oursTarget = new CountingTarget();
        // No batch delay: ZLogger and the console logger write as soon as their thread wakes, so this one does too.
        _ours = new MilterLoggerProvider(new LoggingSettings(), LogFormat.Console, _oursTarget, batchDelay: TimeSpan.Zero);
        _oursFactory = LoggerFactory.Create(b => b.AddProvider(_ours));
        _oursLogger = _oursFactory.CreateLogger(DecisionEntry.Category);

        _zloggerStream = new CountingStream();
        _zloggerFactory = LoggerFactory.Create(b => b.AddZLoggerStream(_zloggerStream, o => o.UsePlainTextFormatter(f =>
            f.SetPrefixFormatter($"{0}: {1}[{2}] ", (in MessageTemplate t, in LogInfo info) => t.Format(ShortLevel(info.LogLevel), info.Category, info.EventId.Id)))));
        _zlogger = _zloggerFactory.CreateLogger(DecisionEntry.Category);

        _stdout = Console.Out;
        _consoleWriter = new CountingWriter();
        Console.SetOut(_consoleWriter); // the console logger writes to Console.Out
        _consoleFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        _console = _consoleFactory.CreateLogger(DecisionEntry.Category);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oursFactory.Dispose();
        _ours.Dispose();
        _zloggerFactory.Dispose();
        _consoleFactory.Dispose();
        Console.SetOut(_stdout);
    }

    public void Dispose()
    {
        _ours?.Dispose();
        _oursTarget?.Dispose();
        _zloggerStream?.Dispose();
        _consoleWriter?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void Ours_Line() => _oursLogger.Log(LogLevel.Information, new EventId(DecisionEntry.EventId), _entry, null, DecisionEntry.Formatter);

    [Benchmark]
    public void ZLogger_Line() => ZLoggerDecisionLog.Decision(_zlogger, QueueId, Client, "Rcpt", Sender, Recipient, Verdict, Rule);

    [Benchmark]
    public void MicrosoftConsole_Line() => MsDecision(_console, QueueId, Client, "Rcpt", Sender, Recipient, Verdict, Rule);

    [Benchmark(OperationsPerInvoke = 1000)]
    public void Ours_Burst1000()
    {
        long target = _oursTarget.Lines + 1000;
        for (int i = 0; i < 1000; i++)
        {
            Ours_Line();
        }

        WaitFor(() => _oursTarget.Lines >= target);
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public void ZLogger_Burst1000()
    {
        long target = _zloggerStream.Lines + 1000;
        for (int i = 0; i < 1000; i++)
        {
            ZLogger_Line();
        }

        WaitFor(() => _zloggerStream.Lines >= target);
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public void MicrosoftConsole_Burst1000()
    {
        long target = _consoleWriter.Lines + 1000;
        for (int i = 0; i < 1000; i++)
        {
            MicrosoftConsole_Line();
        }

        WaitFor(() => _consoleWriter.Lines >= target);
    }

    private static void WaitFor(Func<bool> done)
    {
        var spin = new SpinWait();
        while (!done())
        {
            spin.SpinOnce();
        }
    }

    private static string ShortLevel(LogLevel level) => level == LogLevel.Information ? "info" : level.ToString().ToLowerInvariant();

    [LoggerMessage(3000, LogLevel.Information, "decision qid={QueueId} client={Client} stage={Stage} from={Sender} rcpt={Recipient} verdict=\"{Verdict}\" rule={Rule}")]
    private static partial void MsDecision(ILogger logger, string queueId, string client, string stage, string sender, string recipient, string verdict, string rule);

    private sealed class CountingTarget : LogTarget
    {
        private long _lines;

        public long Lines => Interlocked.Read(ref _lines);

        public override void Write(ReadOnlySpan<byte> lines) => Interlocked.Add(ref _lines, lines.Count((byte)'\n'));
    }

    private sealed class CountingStream : Stream
    {
        private long _lines;

        public long Lines => Interlocked.Read(ref _lines);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => Interlocked.Add(ref _lines, buffer.Count((byte)'\n'));
    }

    private sealed class CountingWriter : TextWriter
    {
        private long _lines;

        public long Lines => Interlocked.Read(ref _lines);

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                Interlocked.Increment(ref _lines);
            }
        }

        public override void Write(string? value) => Interlocked.Add(ref _lines, value is null ? 0 : value.AsSpan().Count('\n'));

        public override void Write(char[] buffer, int index, int count) => Interlocked.Add(ref _lines, buffer.AsSpan(index, count).Count('\n'));
    }
}
