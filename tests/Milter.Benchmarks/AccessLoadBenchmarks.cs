using BenchmarkDotNet.Attributes;
using Milter.Policy.Access;

namespace Milter.Benchmarks;

/// <summary>
/// <see cref="RuleSetLoader.LoadFiles"/> of a generated 1,000,000-line access file (<see cref="AccessFileGenerator"/>):
/// read, parse, index, digest. Reports time and bytes allocated per load in this (long-lived) process; the peak
/// resident set of a load is measured in a fresh process by <c>bench/policy-load.sh</c> (<see cref="LoadCommand"/>).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AccessLoadBenchmarks
{
    private string _directory = "";
    private string _path = "";

    [Params(1_000_000)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("policy-load-").FullName;
        _path = Path.Combine(_directory, "access");
        using var file = File.Create(_path);
        AccessFileGenerator.Write(file, Lines);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark]
    public int LoadFiles()
    {
        var result = new RuleSetLoader().LoadFiles(_path);
        return result.Succeeded ? result.RuleSet.AccessEntries.Count : throw new InvalidOperationException(result.Errors[0].ToString());
    }
}
