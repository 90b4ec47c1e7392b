using System.Text.RegularExpressions;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// The Debian package <c>milter</c>: built once per test run by <c>packaging/build-deb.sh</c> into the repository's
/// ignored <c>artifacts/package-test/</c>, installed and purged with dpkg on this machine.
/// </summary>
internal static partial class DebianPackage
{
    public const string Name = "milter";

    /// <summary>What the package creates outside its own file list; none of it may exist before the test installs it.</summary>
    public static readonly string[] CreatedPaths = ["/etc/milter", "/var/lib/milter", "/run/milter", "/usr/lib/milter"];

    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    /// <summary>Where the roots of <see cref="FootprintAsync"/> are searched for anything named after the package.</summary>
    private static readonly string[] FootprintRoots = ["/etc", "/usr", "/lib", "/var/lib", "/var/spool", "/run"];

    public static string OutputDirectory => Path.Combine(RepoLayout.Root, "artifacts", "package-test");

    /// <summary>Path of the built <c>milter_VERSION_amd64.deb</c> (built at the first call of the test run).</summary>
    public static Task<string> BuildOnceAsync() => Built.Value;

    /// <summary>dpkg's state of the package (<c>install ok installed</c>, <c>deinstall ok config-files</c>), or null when dpkg does not know it.</summary>
    public static async Task<string?> StatusAsync()
    {
        ProcessResult query = await ProcessRunner.RunAsync("dpkg-query", ["-W", "-f=${Status}", Name], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return query.ExitCode == 0 && query.StdOut.Trim() is { Length: > 0 } status && !status.EndsWith("not-installed", StringComparison.Ordinal) ? status : null;
    }

    /// <summary>dpkg with <paramref name="arguments"/>, waiting (up to 5 minutes) while another dpkg or apt holds the lock.</summary>
    public static async Task<ProcessResult> DpkgAsync(params string[] arguments)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            ProcessResult result = await ProcessRunner.RunAsync("dpkg", arguments, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            bool locked = result.ExitCode != 0 && result.StdErr.Contains("lock", StringComparison.OrdinalIgnoreCase);
            if (!locked || started.Elapsed > TimeSpan.FromMinutes(5))
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Everything on this machine that carries the package's name (files and directories under the system trees, the
    /// user and group, dpkg's statoverrides), for a before/after comparison: after <c>dpkg --purge</c> it must be what it
    /// was before the install.
    /// </summary>
    public static async Task<IReadOnlyList<string>> FootprintAsync()
    {
        var found = new List<string>();
        ProcessResult find = await ProcessRunner.RunAsync("find", [.. FootprintRoots, "-xdev", "-name", $"*{Name}*"], TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        found.AddRange(find.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (string database in new[] { "passwd", "group", "shadow", "gshadow" })
        {
            ProcessResult entry = await ProcessRunner.RunAsync("getent", [database, Name], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            if (entry.ExitCode == 0)
            {
                found.Add($"{database}: {entry.StdOut.Trim()}");
            }
        }

        ProcessResult overrides = await ProcessRunner.RunAsync("dpkg-statoverride", ["--list"], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        found.AddRange(overrides.StdOut.Split('\n').Where(l => l.Contains(Name, StringComparison.Ordinal)).Select(l => "statoverride: " + l));
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private static async Task<string> BuildAsync()
    {
        foreach ((string tool, string package) in new[] { ("dpkg-deb", "dpkg"), ("dpkg-shlibdeps", "dpkg-dev"), ("dpkg-parsechangelog", "dpkg-dev"), ("strip", "binutils"), ("gzip", "gzip") })
        {
            Tools.Require(tool, package);
        }

        ProcessResult build = await ProcessRunner.RunAsync(
            "/bin/bash", [Path.Combine(RepoLayout.Root, "packaging", "build-deb.sh"), "--output", OutputDirectory], TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        Match built = BuiltLine().Match(build.StdOut);
        if (build.ExitCode != 0 || !built.Success || !File.Exists(built.Groups[1].Value))
        {
            throw new InvalidOperationException($"packaging/build-deb.sh failed:\n{build}");
        }

        return built.Groups[1].Value;
    }

    [GeneratedRegex(@"^build-deb: built (\S+\.deb)$", RegexOptions.Multiline)]
    private static partial Regex BuiltLine();
}
