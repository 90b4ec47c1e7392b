using NUnit.Framework;

namespace Milter.Testing;

/// <summary>
/// What a test needs from outside the repository: a program or file from a Debian package, or root. By default a
/// missing one fails the test with the package to install: CI installs everything (.ci/install-deps.sh), so a silent
/// skip would hide a broken setup. With <c>MILTER_TESTS_SKIP_MISSING=1</c> (tests/run-all.sh sets it with
/// <c>--no-install</c> or when not root) the test is skipped instead, with the same reason, and run-all.sh lists it.
/// </summary>
public static class Prerequisite
{
    /// <summary>The environment variable that turns a missing prerequisite into a skip.</summary>
    public const string SkipVariable = "MILTER_TESTS_SKIP_MISSING";

    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    /// <summary>True when a missing prerequisite skips the test instead of failing it.</summary>
    public static bool SkipsMissing => Environment.GetEnvironmentVariable(SkipVariable) == "1";

    /// <summary>The path of <paramref name="program"/> (on PATH or in an sbin directory); fails or skips naming the package if missing.</summary>
    public static string Program(string program, string debianPackage)
    {
        string? found = Find(program);
        if (found is null)
        {
            Missing($"needs Debian package '{debianPackage}' ('{program}' not found; .ci/install-deps.sh installs it)");
        }

        return found!;
    }

    /// <summary>A file a Debian package installs (<c>/usr/include/libmilter/mfapi.h</c>); fails or skips naming the package if missing.</summary>
    public static void PackageFile(string path, string debianPackage)
    {
        if (!File.Exists(path))
        {
            Missing($"needs Debian package '{debianPackage}' ({path} not found; .ci/install-deps.sh installs it)");
        }
    }

    /// <summary>Fails or skips unless the tests run as root.</summary>
    public static void Root(string why)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Missing($"needs root: {why}");
        }
    }

    /// <summary>Fails the test with <paramref name="reason"/>, or skips it when missing prerequisites skip.</summary>
    public static void Missing(string reason)
    {
        if (SkipsMissing)
        {
            Assert.Ignore(reason);
        }

        Assert.Fail(reason);
    }

    /// <summary>The program's path on PATH (or in an sbin directory), or null.</summary>
    public static string? Find(string program)
    {
        IEnumerable<string> path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraDirectories);
        return path.Select(dir => Path.Combine(dir, program)).FirstOrDefault(Exists);
    }

    /// <summary>A file, or a symbolic link whose final target is one (a package's leftover link to a removed file is not).</summary>
    private static bool Exists(string path) =>
        File.Exists(path) && (File.ResolveLinkTarget(path, returnFinalTarget: true) is not { } target || target.Exists);
}
