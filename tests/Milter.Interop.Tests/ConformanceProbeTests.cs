using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// ../shared/conformance/probe.py (raw-socket probes of odd and malformed input) against our reference filter,
/// compared row by row with the libmilter capture ../shared/conformance/captures/probe-libmilter-8.17.txt.
/// </summary>
[TestFixture]
[Category("Interop")]
public sealed partial class ConformanceProbeTests
{
    /// <summary>
    /// Where we deliberately differ from libmilter (milter-protocol.md §1.9): libmilter silently drops a command
    /// it thinks is out of order (the MTA then waits out its timeout); we close the connection with a logged
    /// reason. And QUIT_NC is accepted in any state after CONNECT, so the following CONNECT is answered.
    /// </summary>
    private static readonly Dictionary<string, (string Libmilter, string Ours)> Deviations = new()
    {
        ["BODY before MAIL (out of order)"] = ("SILENCE", "CLOSED"),
        ["EOM straight after HEADER (no EOH)"] = ("SILENCE", "CLOSED"),
        ["QUIT_NC in HELO state, then CONNECT"] = ("SILENCE", "reply 'c'"),
    };

    private MilterProcess? _filter;

    [OneTimeSetUp]
    public async Task StartFilter() => _filter = await MilterProcess.StartReferenceFilterAsync();

    [OneTimeTearDown]
    public async Task StopFilter()
    {
        if (_filter is not null)
        {
            await _filter.DisposeAsync();
        }
    }

    [Test]
    public async Task Probe_AgainstReferenceFilter_MatchesLibmilterCaptureExceptDocumentedDeviations()
    {
        string probe = Path.Combine(RepoLayout.SharedConformance, "probe.py");
        string capture = Path.Combine(RepoLayout.SharedConformance, "captures", "probe-libmilter-8.17.txt");
        Tools.RequireFile(probe, "probe.py (../shared/conformance next to the repository)");
        Tools.RequireFile(capture, "the libmilter probe capture");
        List<(string Probe, string Result)> libmilter = Rows(await File.ReadAllTextAsync(capture));
        libmilter.Should().HaveCount(13, "the capture has one row per probe");
        List<(string Probe, string Result)> expected = libmilter.Select(row =>
        {
            if (Deviations.TryGetValue(row.Probe, out (string Libmilter, string Ours) deviation))
            {
                row.Result.Should().Be(deviation.Libmilter, "the capture row for '{0}'", row.Probe);
                return (row.Probe, deviation.Ours);
            }

            return row;
        }).ToList();

        ProcessResult run = await ProcessRunner.RunAsync(Tools.Require("python3", "python3"), [probe, "--port", _filter!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--wait", "1"], TimeSpan.FromSeconds(60));

        run.ExitCode.Should().Be(0, "{0}", run);
        Rows(run.StdOut).Should().Equal(expected, "probe.py output:\n{0}\nfilter log:\n{1}", run.StdOut, _filter.Output);
        _filter.HasExited.Should().BeFalse("no probe may bring the filter down");
    }

    /// <summary>
    /// "name -> result" rows. "CLOSED(reset)" and "CLOSED" are one outcome, the connection was closed: RST instead
    /// of FIN only says unread bytes were still in the kernel buffer when the milter closed, a timing detail.
    /// </summary>
    private static List<(string Probe, string Result)> Rows(string text) =>
        text.Split('\n')
            .Select(l => Row().Match(l.TrimEnd('\r')))
            .Where(m => m.Success)
            .Select(m => (m.Groups[1].Value.TrimEnd(), m.Groups[2].Value == "CLOSED(reset)" ? "CLOSED" : m.Groups[2].Value))
            .ToList();

    [GeneratedRegex(@"^(.+?)\s+-> (.+)$")]
    private static partial Regex Row();
}
