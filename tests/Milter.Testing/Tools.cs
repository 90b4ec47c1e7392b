using NUnit.Framework;

namespace Milter.Testing;

/// <summary>
/// The external programs the interop tests need. A missing one fails the test with the package to install, or skips
/// it under tests/run-all.sh <c>--no-install</c> (see <see cref="Prerequisite"/>).
/// </summary>
public static class Tools
{
    public static string Require(string program, string debianPackage) => Prerequisite.Program(program, debianPackage);

    /// <summary>A file of the repository (a script, a capture): missing is always a failure.</summary>
    public static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{what} not found at {path}");
        }
    }

    public static void RequireRoot(string why) => Prerequisite.Root(why);

    /// <summary>The dotnet host that runs the tests (the CLI exports DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    public static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : Require("dotnet", "dotnet-sdk-10.0");
    }

    /// <summary>The program's path on PATH (or in an sbin directory), or null.</summary>
    public static string? Find(string program) => Prerequisite.Find(program);
}
