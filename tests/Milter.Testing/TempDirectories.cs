namespace Milter.Testing;

/// <summary>
/// One private temp directory per test run (<c>milter-interop-*</c>), holding what the rigs and builds write; the
/// run's <c>[SetUpFixture]</c> deletes it with <see cref="Cleanup"/> after the last test.
/// </summary>
public static class TempDirectories
{
    private static readonly Lazy<string> RootDirectory = new(() => Directory.CreateTempSubdirectory("milter-interop-").FullName);

    /// <summary>The run's temp directory (made on first use).</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>A new directory <c>PREFIX</c> + 8 hex digits in <see cref="Root"/>.</summary>
    public static string New(string prefix) => Directory.CreateDirectory(Path.Combine(Root, prefix + Guid.NewGuid().ToString("N")[..8])).FullName;

    /// <summary>Deletes the run's temp directory, if one was made.</summary>
    public static void Cleanup()
    {
        if (RootDirectory.IsValueCreated && Directory.Exists(RootDirectory.Value))
        {
            Directory.Delete(RootDirectory.Value, recursive: true);
        }
    }
}
