using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Milter.Host.Metrics;
using Milter.Policy;
using Milter.Policy.Model;
using NUnit.Framework;

namespace Milter.Host.Tests.Metrics;

public class MilterMetricsTests
{
    [Test]
    public void Decision_CountsTheVerdictWithStageActionAndRule_AndRecordsItsLatency()
    {
        using var metrics = new MilterMetrics();
        var seen = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using MeterListener listener = Listen(metrics, (instrument, value, tags) => seen.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));

        metrics.Decision(PolicyStage.Rcpt, VerdictAction.Reject, "/etc/mail/access:12", Stopwatch.GetTimestamp());

        seen.Should().ContainSingle(s => s.Instrument == "verdicts.total").Which.Tags.Should().BeEquivalentTo(
            new Dictionary<string, object?> { ["stage"] = "rcpt", ["action"] = "reject", ["rule"] = "/etc/mail/access:12" });
        seen.Should().ContainSingle(s => s.Instrument == "decision.duration.seconds").Which.Value.Should().BeInRange(0, 10);
    }

    [Test]
    public void Sessions_OpenAndClose_MoveTheOpenCountBothWays()
    {
        using var metrics = new MilterMetrics();
        double open = 0;
        long total = 0;
        using MeterListener listener = Listen(metrics, (instrument, value, _) =>
        {
            if (instrument.Name == "sessions.open")
            {
                open += value;
            }
            else if (instrument.Name == "sessions.total")
            {
                total += (long)value;
            }
        });

        metrics.SessionOpened();
        metrics.SessionOpened();
        metrics.SessionClosed();

        total.Should().Be(2);
        open.Should().Be(1);
    }

    [Test]
    public void Decision_WithAListener_AllocatesNothing()
    {
        using var metrics = new MilterMetrics();
        using MeterListener listener = Listen(metrics, (_, _, _) => { });
        long start = Stopwatch.GetTimestamp();
        metrics.Decision(PolicyStage.Mail, VerdictAction.Continue, "no From: entry", start); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            metrics.Decision(PolicyStage.Mail, VerdictAction.Continue, "no From: entry", start);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    private delegate void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    private static MeterListener Listen(MilterMetrics metrics, Measured measured)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == metrics.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measured(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measured(instrument, value, tags));
        listener.Start();
        return listener;
    }
}
