using System.Globalization;
using Milter.Oracle.Tests.Comparison;
using Milter.Oracle.Tests.Profiles;
using Milter.Oracle.Tests.Scenario;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>The translated answer of every ruleset call of one case under one profile.</summary>
public sealed record CaseAnswers(OracleProfile Profile, OracleCase Case, IReadOnlyList<TestModeCall> Calls, IReadOnlyList<StageOutcome> Outcomes);

/// <summary>
/// Runs Sendmail in test mode for many (profile, case) pairs: one .cf per profile (m4), the rule files of each case
/// (makemap hash), one <c>sendmail -bt</c> process per pair fed all sessions of the case, in batches of a few dozen per
/// private namespace (tests/e2e/sendmail-oracle.sh), a few batches side by side.
/// </summary>
public sealed class SendmailTestMode
{
    private const int JobsPerBatch = 40;
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(10);
    private readonly OracleWorkspace _workspace;
    private readonly Dictionary<string, string> _cf = [];
    private int _jobs;

    private SendmailTestMode(OracleWorkspace workspace) => _workspace = workspace;

    public static string Script => Path.Combine(RepoLayout.Root, "tests", "e2e", "sendmail-oracle.sh");

    /// <summary>Checks the machine (root, Sendmail, m4, makemap, unshare) and builds the .cf of every profile.</summary>
    public static async Task<SendmailTestMode> CreateAsync(OracleWorkspace workspace, IEnumerable<OracleProfile> profiles)
    {
        Require();
        var testMode = new SendmailTestMode(workspace);
        foreach (var profile in profiles)
        {
            testMode._cf[profile.Name] = await SendmailConfig.BuildAsync(profile, workspace);
        }

        return testMode;
    }

    public static void Require()
    {
        Tools.RequireRoot("Sendmail runs in a private mount/UTS namespace");
        Prerequisite.PackageFile("/usr/sbin/sendmail-mta", "sendmail-bin");
        Prerequisite.PackageFile(SendmailConfig.CfM4, "sendmail-cf");
        Tools.Require("m4", "m4");
        Tools.Require("makemap", "sendmail-bin");
        Tools.Require("unshare", "util-linux");
    }

    public string Cf(OracleProfile profile) => _cf[profile.Name];

    /// <summary>Writes the rule files of <paramref name="cases"/> into <paramref name="directoryName"/>/case-N and builds their access maps.</summary>
    public async Task<IReadOnlyDictionary<OracleCase, string>> WriteRulesAsync(IEnumerable<OracleCase> cases, string directoryName = "rules")
    {
        var directories = new Dictionary<OracleCase, string>();
        foreach (var oracleCase in cases)
        {
            var directory = Directory.CreateDirectory(_workspace.PathOf(directoryName, "case-" + oracleCase.Index.ToString(CultureInfo.InvariantCulture))).FullName;
            await File.WriteAllTextAsync(Path.Combine(directory, "access"), oracleCase.Rules.AccessText);
            await File.WriteAllTextAsync(Path.Combine(directory, "relay-domains"), oracleCase.Rules.RelayDomainsText);
            await File.WriteAllTextAsync(Path.Combine(directory, "local-host-names"), oracleCase.Rules.LocalHostNamesText);
            directories[oracleCase] = directory;
        }

        var makemap = await ProcessRunner.RunAsync(
            "/bin/sh",
            ["-c", "for d; do makemap hash \"$d/access\" < \"$d/access\" || { echo \"makemap failed in $d\" >&2; exit 1; }; done", "sh", .. directories.Values],
            TimeSpan.FromMinutes(5));
        if (makemap.ExitCode != 0 || makemap.StdErr.Trim().Length > 0)
        {
            throw new InvalidOperationException($"makemap refused a generated access file:\n{makemap}");
        }

        return directories;
    }

    /// <summary>Runs every pair (each against the rule directory of its case) and translates the answers.</summary>
    public async Task<IReadOnlyList<CaseAnswers>> RunAsync(IReadOnlyList<(OracleProfile Profile, OracleCase Case, string RulesDirectory)> pairs, int parallel)
    {
        var jobs = new List<(OracleProfile Profile, OracleCase Case, string Directory, IReadOnlyList<TestModeCall> Calls)>();
        foreach (var (profile, oracleCase, rules) in pairs)
        {
            var directory = Directory.CreateDirectory(_workspace.PathOf("jobs", "job-" + Interlocked.Increment(ref _jobs).ToString(CultureInfo.InvariantCulture))).FullName;
            var (input, calls) = TestModeScript.Build(profile, oracleCase.Sessions);
            await File.WriteAllTextAsync(Path.Combine(directory, "sendmail.cf"), SendmailConfig.ForRules(Cf(profile), rules));
            await File.WriteAllTextAsync(Path.Combine(directory, "input"), input);
            jobs.Add((profile, oracleCase, directory, calls));
        }

        // Chunks of a few dozen jobs, at most `parallel` namespaces at a time: a stuck chunk times out on its own, and a
        // large run (ORACLE_SESSIONS) takes as long as it needs.
        using var slots = new SemaphoreSlim(Math.Max(1, parallel));
        var runs = await Task.WhenAll(jobs.Chunk(JobsPerBatch).Select(async chunk =>
        {
            await slots.WaitAsync();
            try
            {
                return await ProcessRunner.RunAsync("/bin/bash", [Script, "bt", _workspace.Directory, .. chunk.Select(j => j.Directory)], BatchTimeout);
            }
            finally
            {
                slots.Release();
            }
        }));
        foreach (var run in runs.Where(r => r.ExitCode != 0))
        {
            throw new InvalidOperationException($"sendmail-oracle.sh bt failed:\n{run}");
        }

        var answers = new List<CaseAnswers>(jobs.Count);
        foreach (var (profile, oracleCase, directory, calls) in jobs)
        {
            var output = await File.ReadAllTextAsync(Path.Combine(directory, "output"));
            var status = (await File.ReadAllTextAsync(Path.Combine(directory, "status"))).Trim();
            if (status != "0")
            {
                throw new InvalidOperationException($"sendmail -bt exited {status} in {directory}:\n{output[..Math.Min(output.Length, 4000)]}");
            }

            var operators = SendmailConfig.Operators(Cf(profile));
            var results = TestModeOutput.Parse(output, calls);
            var outcomes = calls.Select((call, i) => RulesetReplies.Translate(results[i], call.Ruleset == TestModeScript.RelayRuleset ? "check_relay" : call.Ruleset, operators)).ToList();
            answers.Add(new CaseAnswers(profile, oracleCase, calls, outcomes));
        }

        return answers;
    }
}
