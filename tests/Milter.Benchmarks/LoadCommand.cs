using System.Diagnostics;
using System.Globalization;
using Milter.Policy.Access;

namespace Milter.Benchmarks;

/// <summary>
/// Console entries for bench/policy-load.sh, outside BenchmarkDotNet so every load runs in a fresh process:
/// <c>generate FILE LINES</c> writes <see cref="AccessFileGenerator"/>'s file; <c>load FILE</c> loads it once with
/// <see cref="RuleSetLoader.LoadFiles"/> and prints one line of figures.
/// </summary>
internal static class LoadCommand
{
    public static int Run(string[] args)
    {
        switch (args)
        {
            case ["generate", var path, var count] when int.TryParse(count, CultureInfo.InvariantCulture, out var lines) && lines > 0:
                using (var file = File.Create(path))
                {
                    AccessFileGenerator.Write(file, lines);
                }

                return 0;
            case ["load", var path]:
                return Load(path);
            default:
                Console.Error.WriteLine("usage: Milter.Benchmarks generate FILE LINES | load FILE | [BenchmarkDotNet arguments]");
                return 2;
        }
    }

    /// <summary>
    /// Prints: the wall time of LoadFiles (read, parse, index, digest; the first call, so JIT included, as at milter
    /// start); bytes allocated by the load; the managed heap still in use after a full blocking GC with the rule set
    /// alive (what a loaded rule set costs to keep); and the process's peak resident set (VmHWM) before and after.
    /// </summary>
    private static int Load(string path)
    {
        var hwmBefore = ProcStatusKiB("VmHWM:");
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        var result = new RuleSetLoader().LoadFiles(path, strict: true);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors.Take(5))
            {
                Console.Error.WriteLine(error);
            }

            return 1;
        }

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var hwm = ProcStatusKiB("VmHWM:");
        var source = result.RuleSet.Sources[0];
        GC.KeepAlive(result);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load lines={source.Lines} entries={source.Entries} warnings={result.Warnings.Count} seconds={seconds:F3} allocatedMB={allocated / 1e6:F1} heapAfterMB={heapAfter / 1e6:F1} peakRssMB={hwm / 1024.0:F1} startRssMB={hwmBefore / 1024.0:F1} gen0={GC.CollectionCount(0)} gen2={GC.CollectionCount(2)}"));
        return 0;
    }

    /// <summary>A "Name: N kB" field of /proc/self/status (0 where there is no procfs).</summary>
    private static long ProcStatusKiB(string field)
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(Status))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
