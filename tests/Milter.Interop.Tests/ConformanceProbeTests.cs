using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The raw-socket probes of <see cref="ConformanceProbe"/> against libmilter (tests/interop/refmilter.c), our reference
/// filter (Milter.Protocol) and our policy milter (<c>milter run</c>), compared row by row with the libmilter capture
/// committed in Captures/probe-libmilter.txt.
/// </summary>
[TestFixture]
[Category("Interop")]
public sealed class ConformanceProbeTests
{
    /// <summary>Set to 1 by tests/interop/record-captures.sh: the libmilter run writes the capture instead of comparing.</summary>
    private const string RecordVariable = "MILTER_RECORD_CAPTURES";

    /// <summary>
    /// Where Milter.Protocol deliberately differs from libmilter. libmilter silently drops a command it thinks is out
    /// of order (after calling the abort callback and retrying it as if in HELO state), so the MTA waits out its read
    /// timeout (Sendmail's default 10 s); we never leave the MTA waiting: we close the connection with a logged reason.
    /// QUIT_NC is accepted in any state after CONNECT (libmilter takes it only after an end of message answered
    /// CONTINUE, or after UNKNOWN), so the CONNECT that follows it is answered.
    /// </summary>
    private static readonly Dictionary<string, (string Libmilter, string Ours)> ProtocolDeviations = new()
    {
        ["BODY before MAIL (out of order)"] = ("SILENCE", "CLOSED"),
        ["EOM straight after HEADER (no EOH)"] = ("SILENCE", "CLOSED"),
        ["QUIT_NC in HELO state, then CONNECT"] = ("SILENCE", "reply 'c'"),
        ["QUIT_NC after EOM=ACCEPT, CONNECT"] = ("SILENCE", "reply 'c'"),
    };

    /// <summary>
    /// The policy milter on top of those: it negotiates away every step after RCPT (SMFIP_NOHDRS, NOEOH, NOBODY…), and
    /// a step negotiated away is transparent in the state machine (libmilter does the same), so an end of message
    /// straight after a header is in order; and it decides nothing at end of message, so it answers CONTINUE where
    /// refmilter.c answers ACCEPT.
    /// </summary>
    private static readonly Dictionary<string, (string Libmilter, string Ours)> PolicyMilterDeviations = new(ProtocolDeviations)
    {
        ["EOM straight after HEADER (no EOH)"] = ("SILENCE", "reply 'c'"),
        ["BODYEOB carrying data"] = ("reply 'a'", "reply 'c'"),
    };

    [Test]
    public async Task Capture_HasOneRowPerProbe_InTheProbeOrder()
    {
        List<(string Probe, string Result)> capture = await ReadCaptureAsync();

        capture.Select(row => row.Probe).Should().Equal(ConformanceProbe.Probes.Select(p => p.Name), "tests/interop/record-captures.sh records every probe");
    }

    /// <summary>The committed capture is what libmilter really does (and record-captures.sh writes it).</summary>
    [Test]
    public async Task Probe_AgainstLibmilter_MatchesTheCommittedCapture()
    {
        await using MilterProcess libmilter = await MilterProcess.StartRefMilterAsync();

        IReadOnlyList<(string Probe, string Result)> rows = await ConformanceProbe.RunAsync(libmilter.Port, CancellationToken.None);

        if (Environment.GetEnvironmentVariable(RecordVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(RepoLayout.ProbeCapture)!);
            string version = Environment.GetEnvironmentVariable("MILTER_LIBMILTER_VERSION") ?? "unknown";
            await File.WriteAllTextAsync(RepoLayout.ProbeCapture, ConformanceProbe.Format(rows, CaptureHeader(version)));
            TestContext.Out.WriteLine($"recorded {RepoLayout.ProbeCapture}");
            return;
        }

        rows.Should().Equal(await ReadCaptureAsync(), "libmilter's answers (refmilter log:\n{0})", libmilter.Output);
        libmilter.HasExited.Should().BeFalse("no probe brings libmilter down");
    }

    [Test]
    public async Task Probe_AgainstReferenceFilter_MatchesTheLibmilterCaptureExceptDocumentedDeviations()
    {
        List<(string Probe, string Result)> expected = await ExpectedAsync(ProtocolDeviations);
        await using MilterProcess filter = await MilterProcess.StartReferenceFilterAsync();

        IReadOnlyList<(string Probe, string Result)> rows = await ConformanceProbe.RunAsync(filter.Port, CancellationToken.None);

        rows.Should().Equal(expected, "filter log:\n{0}", filter.Output);
        filter.HasExited.Should().BeFalse("no probe may bring the filter down");
    }

    [Test]
    public async Task Probe_AgainstPolicyMilter_MatchesTheLibmilterCaptureExceptDocumentedDeviations()
    {
        List<(string Probe, string Result)> expected = await ExpectedAsync(PolicyMilterDeviations);
        string rules = TempDirectories.New("probe-rules-");
        string[] files = ["access", "relay-domains", "local-host-names"];
        foreach (string file in files)
        {
            await File.WriteAllTextAsync(Path.Combine(rules, file), string.Empty);
        }

        await using MilterProcess milter = await MilterProcess.StartPolicyMilterAsync(
            Path.Combine(rules, files[0]), Path.Combine(rules, files[1]), Path.Combine(rules, files[2]), rules);

        IReadOnlyList<(string Probe, string Result)> rows = await ConformanceProbe.RunAsync(milter.Port, CancellationToken.None);

        rows.Should().Equal(expected, "milter log:\n{0}", milter.Output);
        milter.HasExited.Should().BeFalse("no probe may bring the milter down");
    }

    /// <summary>The capture's rows with our answer where we deliberately differ (the capture must still say what libmilter did).</summary>
    private static async Task<List<(string Probe, string Result)>> ExpectedAsync(Dictionary<string, (string Libmilter, string Ours)> deviations) =>
        (await ReadCaptureAsync()).Select(row =>
        {
            if (deviations.TryGetValue(row.Probe, out (string Libmilter, string Ours) deviation))
            {
                row.Result.Should().Be(deviation.Libmilter, "the capture row for '{0}'", row.Probe);
                return (row.Probe, deviation.Ours);
            }

            return row;
        }).ToList();

    private static async Task<List<(string Probe, string Result)>> ReadCaptureAsync()
    {
        Tools.RequireFile(RepoLayout.ProbeCapture, "the libmilter probe capture (tests/interop/record-captures.sh writes it)");
        return ConformanceProbe.Parse(await File.ReadAllTextAsync(RepoLayout.ProbeCapture));
    }

    private static string CaptureHeader(string libmilterVersion) =>
        $"""
        What libmilter (Debian libmilter1.0.1 {libmilterVersion}, tests/interop/refmilter.c) answers to the raw-socket
        probes of tests/Milter.Interop.Tests/Support/ConformanceProbe.cs: reply 'X' = the response command,
        SILENCE = no answer within {ConformanceProbe.SilenceWait.TotalSeconds:0} s, CLOSED = the connection was closed.
        Written by tests/interop/record-captures.sh; ConformanceProbeTests compares libmilter and our milter with it.
        """;
}
