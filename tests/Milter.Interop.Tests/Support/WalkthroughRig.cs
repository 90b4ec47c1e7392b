using System.Text.RegularExpressions;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// tests/e2e/walkthrough-rig.sh: an admin's setup commands run as written against a copy of this machine's Debian
/// <c>/etc/mail</c>, in private mount, UTS and network namespaces (Debian's Sendmail on 127.0.0.1:25 there, the
/// installed milter started as its unit says); swaks and other commands run inside them. Needs root.
/// </summary>
internal sealed partial class WalkthroughRig : IAsyncDisposable
{
    /// <summary>The marker lines around the README steps the test runs.</summary>
    public const string BeginMarker = "<!-- walkthrough:begin -->";

    public const string EndMarker = "<!-- walkthrough:end -->";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(6);
    private bool _running;

    private WalkthroughRig(string workDirectory) => WorkDirectory = workDirectory;

    public string WorkDirectory { get; }

    /// <summary>The namespace's <c>/etc/mail</c> (bind-mounted there).</summary>
    public string EtcMailDirectory => Path.Combine(WorkDirectory, "etc-mail");

    /// <summary>The namespace's Sendmail queue (<c>/var/spool/mqueue</c>).</summary>
    public string QueueDirectory => Path.Combine(WorkDirectory, "mqueue");

    /// <summary>The unit runner's and the milter's output.</summary>
    public string MilterLog => ReadOrEmpty(Path.Combine(WorkDirectory, "milter.log"));

    /// <summary>The steps as they ran (bash -x).</summary>
    public string StepsLog => ReadOrEmpty(Path.Combine(WorkDirectory, "steps.log"));

    /// <summary>
    /// The shell commands of the fenced <c>sh</c> blocks between <see cref="BeginMarker"/> and <see cref="EndMarker"/> of
    /// a Markdown file, in order, as an admin would type them.
    /// </summary>
    public static IReadOnlyList<string> StepsFrom(string markdownFile)
    {
        string text = File.ReadAllText(markdownFile);
        int begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
        int end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{markdownFile} has no {BeginMarker} ... {EndMarker} section");
        }

        var commands = new List<string>();
        foreach (Match block in ShellBlock().Matches(text[begin..end]))
        {
            int indent = block.Groups["indent"].Value.Length;
            commands.AddRange(block.Groups["body"].Value.Split('\n')
                .Select(line => line.Length >= indent && string.IsNullOrWhiteSpace(line[..indent]) ? line[indent..] : line.TrimStart())
                .Where(line => line.Length > 0));
        }

        return commands;
    }

    public static async Task<WalkthroughRig> StartAsync(IReadOnlyList<string> steps)
    {
        Tools.RequireRoot("the walkthrough runs Debian's Sendmail in private namespaces");
        Tools.RequireFile("/etc/init.d/sendmail", "Debian's sendmail (package 'sendmail-bin')");
        foreach ((string tool, string package) in new[] { ("swaks", "swaks"), ("unshare", "util-linux"), ("nsenter", "util-linux"), ("ip", "iproute2"), ("python3", "python3"), ("make", "make"), ("m4", "m4") })
        {
            Tools.Require(tool, package);
        }

        var rig = new WalkthroughRig(TempDirectories.New("walkthrough-"));
        string stepsFile = Path.Combine(rig.WorkDirectory, "steps.sh");
        await File.WriteAllTextAsync(stepsFile, string.Join('\n', steps) + "\n").ConfigureAwait(false);
        ProcessResult start = await RunScriptAsync("start", rig.WorkDirectory, stepsFile).ConfigureAwait(false);
        if (start.ExitCode != 0)
        {
            ProcessResult stop = await RunScriptAsync("stop", rig.WorkDirectory).ConfigureAwait(false);
            throw new InvalidOperationException($"walkthrough-rig.sh start failed:\n{start}\n{stop}");
        }

        rig._running = true;
        return rig;
    }

    /// <summary>swaks inside the namespaces, against Debian's daemon on 127.0.0.1:25 (from 127.0.0.5 unless <c>--local-interface</c> is given).</summary>
    public async Task<SwaksTranscript> SwaksAsync(params string[] arguments) =>
        new(await RunScriptAsync(["swaks", WorkDirectory, "--timeout", "30", .. arguments]).ConfigureAwait(false));

    /// <summary>A command inside the namespaces (the steps' <c>systemctl</c> first on PATH).</summary>
    public Task<ProcessResult> ExecAsync(params string[] command) => RunScriptAsync(["exec", WorkDirectory, .. command]);

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            ProcessResult stop = await RunScriptAsync("stop", WorkDirectory).ConfigureAwait(false);
            if (stop.ExitCode != 0)
            {
                throw new InvalidOperationException($"walkthrough-rig.sh stop failed:\n{stop}");
            }
        }
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    private static Task<ProcessResult> RunScriptAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("/bin/bash", [Path.Combine(RepoLayout.Root, "tests", "e2e", "walkthrough-rig.sh"), .. arguments], CommandTimeout);

    [GeneratedRegex(@"^(?<indent>[ ]*)```sh\n(?<body>.*?)^[ ]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
