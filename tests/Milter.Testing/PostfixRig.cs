using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Milter.Testing;

/// <summary>
/// tests/e2e/postfix-rig.sh: a private Postfix 3.7 (the Debian package unpacked, not installed) on a free loopback
/// port in its own mount/UTS namespace, with one milter and <c>milter_default_action = tempfail</c>; swaks runs inside
/// that namespace. Accepted mail goes to Postfix's <c>discard</c> transport. Needs root; without root, the tools or
/// the unpacked package the tests are ignored with the reason.
/// </summary>
public sealed partial class PostfixRig : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private bool _running;

    private PostfixRig(string workDirectory, int port)
    {
        WorkDirectory = workDirectory;
        Port = port;
    }

    /// <summary>The rig's directory (etc, spool, data); world-traversable, because Postfix's daemons run as <c>postfix</c>.</summary>
    public string WorkDirectory { get; }

    public int Port { get; }

    /// <summary>The main.cf the rig wrote.</summary>
    public string MainCf => File.ReadAllText(Path.Combine(WorkDirectory, "etc", "main.cf"));

    /// <summary>Postfix's own log (<c>maillog_file</c>).</summary>
    public string Log
    {
        get
        {
            string path = Path.Combine(WorkDirectory, "data", "postfix.log");
            return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        }
    }

    /// <summary>Postfix's socket syntax for a milter given in Sendmail syntax: <c>inet:PORT@HOST</c> becomes <c>inet:HOST:PORT</c>.</summary>
    public static string PostfixSpec(string sendmailSpec)
    {
        Match m = InetSpec().Match(sendmailSpec);
        return m.Success ? $"inet:{m.Groups[2].Value}:{m.Groups[1].Value}" : sendmailSpec;
    }

    /// <summary>The rig with <c>smtpd_milters = MILTER</c> and <c>milter_default_action = tempfail</c>.</summary>
    public static Task<PostfixRig> StartAsync(string milterSpec, string? extraMainCf = null) =>
        StartAsync(["start", "WORKDIR", "PORT", PostfixSpec(milterSpec)], extraMainCf);

    /// <summary>
    /// The rig configured from a shipped main.cf snippet (<c>postfix-rig.sh start-policy</c>): appended as shipped, only
    /// its <c>smtpd_milters</c> socket pointed at <paramref name="milterSpec"/>; <paramref name="extraMainCf"/> after it.
    /// </summary>
    /// <param name="socketMapSpec">Where the snippet's <c>socketmap:unix:milter/drac.sock:</c> tables point instead (<c>unix:/PATH</c>, or Sendmail's inet syntax).</param>
    public static Task<PostfixRig> StartWithSnippetAsync(string milterSpec, string snippetFile, string? extraMainCf = null, string? socketMapSpec = null) =>
        StartAsync(["start-policy", "WORKDIR", "PORT", PostfixSpec(milterSpec), snippetFile], extraMainCf, socketMapSpec is null ? null : PostfixSpec(socketMapSpec));

    /// <summary>Fails (or skips, see <see cref="Prerequisite"/>) the calling test, with the reason, when this machine cannot run the rig.</summary>
    public static void RequireRunnable()
    {
        Prerequisite.Root("the Postfix rig runs in a private mount/UTS namespace, and Postfix's master as root");
        foreach ((string tool, string package) in new[] { ("swaks", "swaks"), ("unshare", "util-linux"), ("nsenter", "util-linux"), ("script", "bsdutils"), ("ss", "iproute2"), ("dpkg", "dpkg") })
        {
            Prerequisite.Program(tool, package);
        }

        if (!File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith("postfix:", StringComparison.Ordinal))
            || !File.ReadAllLines("/etc/group").Any(l => l.StartsWith("postdrop:", StringComparison.Ordinal)))
        {
            Prerequisite.Missing("needs the postfix user and the postdrop group (.ci/install-deps.sh creates them)");
        }
    }

    /// <summary>swaks against the rig (from 127.0.0.5 unless <c>--local-interface</c> is given).</summary>
    public async Task<SwaksTranscript> SwaksAsync(params string[] arguments)
    {
        ProcessResult result = await RunScriptAsync(["swaks", WorkDirectory, "--timeout", "20", .. arguments]).ConfigureAwait(false);
        return new SwaksTranscript(result);
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            ProcessResult stop = await RunScriptAsync("stop", WorkDirectory).ConfigureAwait(false);
            if (stop.ExitCode != 0)
            {
                throw new InvalidOperationException($"postfix-rig.sh stop failed:\n{stop}");
            }
        }

        if (Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }

    private static async Task<PostfixRig> StartAsync(string[] template, string? extraMainCf, string? socketMap = null)
    {
        RequireRunnable();
        ProcessResult fetch = await ProcessRunner.RunAsync("/bin/bash", [RepoLayout.PostfixRig, "fetch"], CommandTimeout).ConfigureAwait(false);
        if (fetch.ExitCode != 0)
        {
            Prerequisite.Missing($"needs the Debian package 'postfix' unpacked (.ci/install-deps.sh runs 'postfix-rig.sh fetch', which failed):\n{fetch}");
        }

        string directory = Directory.CreateTempSubdirectory("milter-postfix-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // rwxr-xr-x: the postfix user reaches spool and data
        }
        string? extra = null;
        if (extraMainCf is not null)
        {
            extra = Path.Combine(directory, "extra-main.cf");
            await File.WriteAllTextAsync(extra, extraMainCf).ConfigureAwait(false);
        }

        for (int attempt = 1; ; attempt++)
        {
            var rig = new PostfixRig(directory, FreePort.Next());
            string[] arguments = [.. template.Select(a => a switch { "WORKDIR" => rig.WorkDirectory, "PORT" => rig.Port.ToString(CultureInfo.InvariantCulture), _ => a })];
            if (extra is not null || socketMap is not null)
            {
                arguments = [.. arguments, extra ?? string.Empty];
            }

            if (socketMap is not null)
            {
                arguments = [.. arguments, socketMap];
            }

            ProcessResult start = await RunScriptAsync(arguments).ConfigureAwait(false);
            if (start.ExitCode == 0)
            {
                rig._running = true;
                return rig;
            }

            ProcessResult stop = await RunScriptAsync("stop", rig.WorkDirectory).ConfigureAwait(false);
            if (attempt >= 2 || !start.StdErr.Contains("already in use", StringComparison.Ordinal))
            {
                Directory.Delete(directory, recursive: true);
                throw new InvalidOperationException($"postfix-rig.sh {template[0]} failed:\n{start}\n{stop}");
            }
        }
    }

    private static Task<ProcessResult> RunScriptAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("/bin/bash", [RepoLayout.PostfixRig, .. arguments], CommandTimeout);

    [GeneratedRegex(@"^inet:(\d+)@(.+)$")]
    private static partial Regex InetSpec();
}
