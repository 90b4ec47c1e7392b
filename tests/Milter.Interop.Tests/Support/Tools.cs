using NUnit.Framework;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// The external programs the interop tests need. A missing one fails the test with the package to install:
/// CI installs them all (.ci/install-deps.sh), so a silent skip would hide a broken setup.
/// </summary>
internal static class Tools
{
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    public static string Require(string program, string debianPackage)
    {
        string? found = Find(program);
        if (found is null)
        {
            Assert.Fail($"'{program}' not found on PATH: install Debian package '{debianPackage}' (.ci/install-deps.sh does).");
        }

        return found!;
    }

    public static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{what} not found at {path}");
        }
    }

    public static void RequireRoot(string why)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Fail($"these tests must run as root: {why}");
        }
    }

    /// <summary>The dotnet host that runs the tests (the CLI exports DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    public static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : Require("dotnet", "dotnet-sdk-10.0");
    }

    /// <summary>The program's path on PATH (or in an sbin directory), or null.</summary>
    public static string? Find(string program)
    {
        IEnumerable<string> path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraDirectories);
        return path.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
    }
}
