namespace Milter.Interop.Tests.Support;

/// <summary>
/// What the tests build or locate once per run: the reference filter (built with this project, built here if
/// missing) and the C libmilter twin (compiled into the run's temp directory, <see cref="TempDirectories"/>).
/// </summary>
internal static class Artifacts
{
    private static readonly Lazy<Task<string>> ReferenceFilter = new(FindOrBuildReferenceFilterAsync);
    private static readonly Lazy<Task<string>> RefMilter = new(BuildRefMilterAsync);
    private static readonly Lazy<Task<string>> MilterHost = new(FindOrBuildMilterHostAsync);

    /// <summary>Path of <c>reference-filter.dll</c> (run it with <c>dotnet</c>).</summary>
    public static Task<string> ReferenceFilterDllAsync() => ReferenceFilter.Value;

    /// <summary>Path of the compiled <c>refmilter</c> (tests/interop/refmilter.c on libmilter).</summary>
    public static Task<string> RefMilterExecutableAsync() => RefMilter.Value;

    /// <summary>Path of our program, <c>milter.dll</c> (Milter.Host; run it with <c>dotnet</c>).</summary>
    public static Task<string> MilterHostDllAsync() => MilterHost.Value;

    private static Task<string> FindOrBuildReferenceFilterAsync() =>
        FindOrBuildAsync(Path.Combine(RepoLayout.Root, "tests", "Milter.ReferenceFilter"), "Milter.ReferenceFilter.csproj", "reference-filter.dll");

    private static Task<string> FindOrBuildMilterHostAsync() =>
        FindOrBuildAsync(Path.Combine(RepoLayout.Root, "Milter.Host"), "Milter.Host.csproj", "milter.dll");

    // Normally built with this project (ProjectReference, ReferenceOutputAssembly=false); built here if missing.
    private static async Task<string> FindOrBuildAsync(string project, string projectFile, string assembly)
    {
        string dll = Path.Combine(project, "bin", RepoLayout.Configuration, "net10.0", assembly);
        if (!File.Exists(dll))
        {
            ProcessResult build = await ProcessRunner.RunAsync(
                Tools.DotnetHost(), ["build", Path.Combine(project, projectFile), "-c", RepoLayout.Configuration, "-v", "q", "-nologo"], TimeSpan.FromMinutes(3)).ConfigureAwait(false);
            if (build.ExitCode != 0 || !File.Exists(dll))
            {
                throw new InvalidOperationException($"building {projectFile} failed:\n{build}");
            }
        }

        return dll;
    }

    private static async Task<string> BuildRefMilterAsync()
    {
        Tools.Require("gcc", "gcc");
        Prerequisite.PackageFile("/usr/include/libmilter/mfapi.h", "libmilter-dev");
        string output = TempDirectories.New("refmilter-");
        ProcessResult build = await ProcessRunner.RunAsync("/bin/sh", [Path.Combine(RepoLayout.InteropDirectory, "build-refmilter.sh"), output], TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        string exe = Path.Combine(output, "refmilter");
        if (build.ExitCode != 0 || !File.Exists(exe))
        {
            throw new InvalidOperationException($"build-refmilter.sh failed:\n{build}");
        }

        return exe;
    }
}
