namespace Milter.Host.Bench;

/// <summary>Latency of one step over the measured sessions, in microseconds.</summary>
internal sealed record StepStats(string Step, long Count, double Mean, double P50, double P99, double Max)
{
    public static StepStats From(BenchStep step, LatencyHistogram histogram) => new(
        BenchSteps.Name(step),
        histogram.Count,
        histogram.Count == 0 ? 0 : histogram.Sum / (double)histogram.Count / 1000.0,
        histogram.ValueAt(50) / 1000.0,
        histogram.ValueAt(99) / 1000.0,
        histogram.Max / 1000.0);
}
