using System.Diagnostics.Metrics;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Milter.Host.Logging;
using Milter.Host.Metrics;
using NUnit.Framework;

namespace Milter.Host.Tests.Logging;

/// <summary>The log output of <c>milter run</c>: one line per entry in every format, no allocation per decision line, batches, a bound, a flush at stop.</summary>
public class MilterLoggerProviderTests
{
    private static readonly DecisionEntry Refusal = new(
        "Rcpt", "Q1", "192.0.2.1", "<a@b.example>", "<c@d.example>", 0, "550 5.7.1 Relaying denied", "relaying denied: no rule allows this client to relay");

    private const string RefusalText =
        "decision qid=Q1 client=192.0.2.1 stage=Rcpt from=<a@b.example> rcpt=<c@d.example> verdict=\"550 5.7.1 Relaying denied\" rule=relaying denied: no rule allows this client to relay";

    [TestCase("Console", "info: Milter.Decisions[3000] ")]
    [TestCase("Systemd", "<6>Milter.Decisions[3000] ")]
    public void DecisionLine_IsOneLine_WithTheFormatsPrefix(string format, string prefix)
    {
        var target = new MemoryLogTarget();
        using (ILoggerFactory factory = Factory(format, target))
        {
            Decide(factory.CreateLogger(DecisionEntry.Category), Refusal);
        }

        target.Text.Should().Be(prefix + RefusalText + "\n");
    }

    [Test]
    public void DecisionLine_Syslog_IsTheSyslogLineOfGlibc()
    {
        var target = new MemoryLogTarget();
        using (ILoggerFactory factory = Factory(LogFormat.Syslog, target))
        {
            Decide(factory.CreateLogger(DecisionEntry.Category), Refusal);
        }

        target.Lines.Should().ContainSingle().Which.Should().MatchRegex(
            $@"^<22>[A-Z][a-z][a-z] [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] milter\[{Environment.ProcessId}\]: {System.Text.RegularExpressions.Regex.Escape(RefusalText)}$");
    }

    [Test]
    public void DecisionLine_Json_IsOneObjectWithTheMessageAndTheFields()
    {
        var target = new MemoryLogTarget();
        using (ILoggerFactory factory = Factory(LogFormat.Json, target))
        {
            Decide(factory.CreateLogger(DecisionEntry.Category), Refusal);
        }

        string line = target.Lines.Should().ContainSingle().Subject;
        using JsonDocument json = JsonDocument.Parse(line);
        json.RootElement.GetProperty("EventId").GetInt32().Should().Be(3000);
        json.RootElement.GetProperty("LogLevel").GetString().Should().Be("Information");
        json.RootElement.GetProperty("Category").GetString().Should().Be("Milter.Decisions");
        json.RootElement.GetProperty("Message").GetString().Should().Be(RefusalText);
        json.RootElement.GetProperty("State").GetProperty("Rule").GetString().Should().Be("relaying denied: no rule allows this client to relay");
        json.RootElement.GetProperty("State").GetProperty("Recipient").GetString().Should().Be("<c@d.example>");
    }

    [TestCase("Console")]
    [TestCase("Systemd")]
    [TestCase("Json")]
    [TestCase("Syslog")]
    public void MultiLineMessageWithAnException_StaysOneLine(string format)
    {
        var target = new MemoryLogTarget();
        using (ILoggerFactory factory = Factory(format, target))
        {
            factory.CreateLogger("x").LogError(new IOException("disk\ngone"), "first\nsecond\r\nthird");
        }

        string line = target.Lines.Should().ContainSingle().Subject;
        line.Should().Contain("first second  third").And.Contain("IOException: disk", "one line: JSON escapes the line end, the text formats make it a space");
    }

    [TestCase("Console")]
    [TestCase("Systemd")]
    [TestCase("Json")]
    [TestCase("Syslog")]
    public void DecisionLines_AllocateNothingPerLine(string format)
    {
        var target = new MemoryLogTarget();
        var provider = new MilterLoggerProvider(new LoggingSettings(), Enum.Parse<LogFormat>(format), target, new FixedTime(), batchDelay: TimeSpan.FromHours(1));
        using ILoggerFactory factory = new OwningFactory(provider);
        ILogger logger = factory.CreateLogger(DecisionEntry.Category);
        for (int i = 0; i < 10; i++)
        {
            Decide(logger, Refusal); // the first chunk, JIT, the syslog time stamp
        }

        // What is measured is the lines alone. The writer thread may take a chunk away while lines are written, and
        // the next chunk (64 KiB, once) is then allocated on this thread: so the least of three windows counts. A
        // per-line allocation shows in every window.
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 3 && allocated > 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                Decide(logger, Refusal);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        allocated.Should().Be(0, "a decision line is formatted straight into the output buffer");
    }

    [Test]
    [CancelAfter(30_000)]
    public void Lines_AreWrittenInBatches_NotOneWriteEach()
    {
        var target = new MemoryLogTarget();
        using (ILoggerFactory factory = Factory(LogFormat.Console, target, batchDelay: TimeSpan.FromMilliseconds(500)))
        {
            ILogger logger = factory.CreateLogger(DecisionEntry.Category);
            for (int i = 0; i < 200; i++)
            {
                Decide(logger, Refusal);
            }
        }

        target.Lines.Should().HaveCount(200);
        target.Writes.Should().BeLessThan(20, "after the first, lines gather for the batch delay and go out in one write");
    }

    [Test]
    [CancelAfter(30_000)]
    public void StalledOutput_DropsAndCountsLines_WithoutBlockingTheLogger()
    {
        var target = new MemoryLogTarget();
        target.Hold.Reset(); // the journal stopped reading
        var provider = new MilterLoggerProvider(new LoggingSettings(), LogFormat.Console, target, chunkBytes: 8192, maxChunks: 2, batchDelay: TimeSpan.Zero);
        using var metrics = new MilterMetrics();
        metrics.ObserveDroppedLogLines(() => provider.Dropped);
        using (ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider)))
        {
            ILogger logger = factory.CreateLogger(DecisionEntry.Category);
            for (int i = 0; i < 1000; i++)
            {
                Decide(logger, Refusal); // returns although nothing is written: the test would time out otherwise
            }

            provider.Dropped.Should().BeGreaterThan(800, "two 8 KiB chunks hold about 70 lines of ~230 bytes");
            ReadDropCounter(metrics).Should().Be(provider.Dropped);
            target.Hold.Set();
            provider.Dispose();
        }

        string[] lines = target.Lines;
        lines.Count(l => l.Contains("decision ", StringComparison.Ordinal)).Should().Be(1000 - (int)provider.Dropped);
        lines.Should().ContainSingle(l => l.StartsWith("warn: Milter.Logging[3600] log output overloaded: ", StringComparison.Ordinal))
            .Which.Should().Contain($"{provider.Dropped} lines dropped");
    }

    [Test]
    [CancelAfter(30_000)]
    public void Dispose_WritesEveryQueuedLine()
    {
        var target = new MemoryLogTarget();
        var provider = new MilterLoggerProvider(new LoggingSettings(), LogFormat.Console, target, batchDelay: TimeSpan.FromHours(1));
        using (ILoggerFactory factory = new OwningFactory(provider))
        {
            ILogger logger = factory.CreateLogger(DecisionEntry.Category);
            StartBatching(logger, target, provider);
            for (int i = 2; i < 200; i++)
            {
                Decide(logger, Refusal); // 200 lines fill no chunk: nothing more is written before the stop
            }
        }

        target.Lines.Should().HaveCount(200);
    }

    [Test]
    [CancelAfter(30_000)]
    public void FullChunk_IsWrittenAtOnce_WithoutWaitingForTheBatchDelay()
    {
        var target = new MemoryLogTarget();
        var provider = new MilterLoggerProvider(new LoggingSettings(), LogFormat.Console, target, chunkBytes: 8192, batchDelay: TimeSpan.FromHours(1));
        using (ILoggerFactory factory = new OwningFactory(provider))
        {
            ILogger logger = factory.CreateLogger(DecisionEntry.Category);
            StartBatching(logger, target, provider);
            for (int i = 2; i < 60; i++)
            {
                Decide(logger, Refusal); // about 36 lines of ~230 bytes fill an 8 KiB chunk
            }

            SpinWait.SpinUntil(() => target.Writes >= 2, TimeSpan.FromSeconds(20)).Should().BeTrue("a full chunk ends the batch wait: under a burst the chunks must not all fill before the delay is over");
            target.Lines.Length.Should().BeGreaterThan(30);

            Thread.Sleep(200); // the writer is done with the cut batch
            int writes = target.Writes;
            for (int i = 0; i < 10; i++)
            {
                Decide(logger, Refusal);
                Thread.Sleep(20);
            }

            target.Writes.Should().BeLessThan(writes + 3, "after the cut, lines gather again for the batch delay instead of going out one by one");
        }

        target.Lines.Should().HaveCount(70);
    }

    [Test]
    [CancelAfter(30_000)]
    public void WriterThread_RunsTenNiceValuesBehindTheSessions()
    {
        Assume.That(OperatingSystem.IsLinux(), "nice values per thread are Linux's");
        var target = new MemoryLogTarget();
        using var provider = new MilterLoggerProvider(new LoggingSettings(), LogFormat.Console, target);
        SpinWait.SpinUntil(() => provider.Sink.WriterThreadId != 0, TimeSpan.FromSeconds(20)).Should().BeTrue("the writer thread starts with the sink");
        int process = NiceOf("/proc/self/stat");
        SpinWait.SpinUntil(() => NiceOf($"/proc/self/task/{provider.Sink.WriterThreadId}/stat") != process, TimeSpan.FromSeconds(20));

        NiceOf($"/proc/self/task/{provider.Sink.WriterThreadId}/stat").Should().Be(Math.Min(19, process + 10),
            "a session whose command arrives during a write must get the processor first");
        NiceOf($"/proc/self/task/{Environment.ProcessId}/stat").Should().Be(process, "only the writer is made nicer");
    }

    /// <summary>Logs two lines: the first goes out at once (the output was quiet), the second waits for the batch delay.</summary>
    private static void StartBatching(ILogger logger, MemoryLogTarget target, MilterLoggerProvider provider)
    {
        Decide(logger, Refusal);
        SpinWait.SpinUntil(() => target.Writes == 1, TimeSpan.FromSeconds(20)).Should().BeTrue("the first line after a quiet spell goes out at once");
        Decide(logger, Refusal);
        SpinWait.SpinUntil(() => provider.Sink.Batching, TimeSpan.FromSeconds(20)).Should().BeTrue("the second line gathers others for the batch delay");
    }

    /// <summary>Field 19 (nice) of a /proc stat file; the thread's name, in parentheses, may hold spaces.</summary>
    private static int NiceOf(string statPath)
    {
        string stat = File.ReadAllText(statPath);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A factory over a new provider; disposing it disposes the provider (as the host's container does).</summary>
    private static ILoggerFactory Factory(string format, MemoryLogTarget target, TimeSpan? batchDelay = null) =>
        Factory(Enum.Parse<LogFormat>(format), target, batchDelay);

    private static ILoggerFactory Factory(LogFormat format, MemoryLogTarget target, TimeSpan? batchDelay = null) =>
        new OwningFactory(new MilterLoggerProvider(new LoggingSettings(), format, target, batchDelay: batchDelay));

    private static void Decide(ILogger logger, in DecisionEntry entry) =>
        logger.Log(LogLevel.Information, new EventId(DecisionEntry.EventId), entry, null, DecisionEntry.Formatter);

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    }

    private sealed class OwningFactory(MilterLoggerProvider provider) : ILoggerFactory
    {
        private readonly ILoggerFactory _factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));

        public void AddProvider(ILoggerProvider other) => _factory.AddProvider(other);

        public ILogger CreateLogger(string categoryName) => _factory.CreateLogger(categoryName);

        public void Dispose()
        {
            provider.Dispose();
            _factory.Dispose();
        }
    }

    private static long ReadDropCounter(MilterMetrics metrics)
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "log.lines.dropped.total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }
}
