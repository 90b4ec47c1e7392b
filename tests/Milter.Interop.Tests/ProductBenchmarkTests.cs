using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// bench/compare-product.sh in its short mode (SHORT=1: a second per point, unix socket, concurrency 1 and 8): the
/// product benchmark builds and runs end to end against the libmilter access milter and the do-nothing ceiling,
/// with every reply checked, so it cannot rot. No figure is asserted: this machine is shared and noisy. It uses the
/// Milter.Host and Milter.Benchmarks builds of this project (built with it: ProjectReference without the assembly).
/// </summary>
[TestFixture]
[Category("Interop")]
public sealed class ProductBenchmarkTests
{
    [Test]
    [CancelAfter(600_000)]
    public async Task ShortMode_RunsEveryMilter_WithEveryReplyAsScripted()
    {
        Tools.Require("gcc", "gcc");
        Tools.Require("jq", "jq");
        Tools.RequireFile("/usr/include/libmilter/mfapi.h", "libmilter headers (Debian package 'libmilter-dev')");
        string output = TempDirectories.New("product-bench-");
        string host = Path.GetDirectoryName(await Artifacts.MilterHostDllAsync())!;
        string benchmarks = Path.Combine(RepoLayout.Root, "tests", "Milter.Benchmarks", "bin", RepoLayout.Configuration, "net10.0");
        Tools.RequireFile(Path.Combine(benchmarks, "Milter.Benchmarks"), "tests/Milter.Benchmarks built with this project");

        // The builds of this test project (Debug): the script builds only the two C milters.
        ProcessResult run = await ProcessRunner.RunAsync(
            "env", ["SHORT=1", "OUT=" + output, "HOST_DIR=" + host, "BENCHMARKS_DIR=" + benchmarks, "bash", Path.Combine(RepoLayout.Root, "bench", "compare-product.sh")],
            TimeSpan.FromMinutes(5));

        run.ExitCode.Should().Be(0, "{0}", run);
        Match verified = Regex.Match(run.StdOut, @"replies verified: (\d+), differing: (\d+)");
        verified.Success.Should().BeTrue("the summary counts the checked replies:\n{0}", run);
        long.Parse(verified.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(100);
        verified.Groups[2].Value.Should().Be("0");
        run.StdOut.Should().MatchRegex(@"(?m)^unix\s+8 \|\s+\d+", "the table has the concurrency 8 row for every milter");
    }
}
