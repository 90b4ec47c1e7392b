using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Milter.Host.Bench;

/// <summary>The outcome of a load run: throughput, errors and latency per step.</summary>
internal sealed record LoadResult(
    LoadOptions Options,
    long Sessions,
    TimeSpan Elapsed,
    long Errors,
    long Unexpected,
    IReadOnlyList<string> FirstErrors,
    IReadOnlyList<StepStats> Steps)
{
    /// <summary>With a traffic script: replies that differed from it.</summary>
    public long Mismatches { get; init; }

    /// <summary>With a traffic script: replies checked and found as scripted.</summary>
    public long VerifiedReplies { get; init; }

    public double SessionsPerSecond => Elapsed > TimeSpan.Zero ? Sessions / Elapsed.TotalSeconds : 0;

    public string ToText()
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"target {Options.Target}  flavor {Options.Flavor.ToString().ToLowerInvariant()}  concurrency {Options.Concurrency}  recipients {Options.Recipients}  body {Options.BodySize} B  warm-up {Options.Warmup.TotalSeconds:0.#} s");
        text.AppendLine(c, $"sessions {Sessions} in {Elapsed.TotalSeconds:0.00} s = {SessionsPerSecond:0.0} sessions/s   errors {Errors}   unexpected replies {Unexpected}");
        if (Options.Traffic is not null)
        {
            text.AppendLine(c, $"traffic {Options.Traffic}: {VerifiedReplies} replies verified, {Mismatches} differed from the script{(Options.ExpectContinue ? " (every reply expected to be continue)" : string.Empty)}");
        }

        text.AppendLine(c, $"{"step",-8} {"count",10} {"mean µs",10} {"p50 µs",10} {"p99 µs",10} {"max µs",10}");
        foreach (StepStats s in Steps)
        {
            text.AppendLine(c, $"{s.Step,-8} {s.Count,10} {s.Mean,10:0.0} {s.P50,10:0.0} {s.P99,10:0.0} {s.Max,10:0.0}");
        }

        foreach (string error in FirstErrors)
        {
            text.AppendLine(c, $"error: {error}");
        }

        return text.ToString();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("target", Options.Target);
            json.WriteString("flavor", Options.Flavor.ToString().ToLowerInvariant());
            json.WriteNumber("concurrency", Options.Concurrency);
            json.WriteNumber("recipients", Options.Recipients);
            json.WriteNumber("bodySize", Options.BodySize);
            json.WriteNumber("warmupSeconds", Options.Warmup.TotalSeconds);
            json.WriteNumber("elapsedSeconds", Math.Round(Elapsed.TotalSeconds, 3));
            json.WriteNumber("sessions", Sessions);
            json.WriteNumber("sessionsPerSecond", Math.Round(SessionsPerSecond, 1));
            json.WriteNumber("errors", Errors);
            json.WriteNumber("unexpectedReplies", Unexpected);
            json.WriteString("traffic", Options.Traffic);
            json.WriteBoolean("expectContinue", Options.ExpectContinue);
            json.WriteNumber("verifiedReplies", VerifiedReplies);
            json.WriteNumber("mismatches", Mismatches);
            json.WriteStartArray("firstErrors");
            foreach (string error in FirstErrors)
            {
                json.WriteStringValue(error);
            }

            json.WriteEndArray();
            json.WriteStartObject("latencyMicroseconds");
            foreach (StepStats s in Steps)
            {
                json.WriteStartObject(s.Step);
                json.WriteNumber("count", s.Count);
                json.WriteNumber("mean", Math.Round(s.Mean, 1));
                json.WriteNumber("p50", Math.Round(s.P50, 1));
                json.WriteNumber("p99", Math.Round(s.P99, 1));
                json.WriteNumber("max", Math.Round(s.Max, 1));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
