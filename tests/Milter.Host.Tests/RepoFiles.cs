namespace Milter.Host.Tests;

/// <summary>Files of the repository (docs, snippets, packaging), found from the test assembly's directory.</summary>
internal static class RepoFiles
{
    /// <summary>The repository root (the directory holding <c>Milter.sln</c>).</summary>
    public static string Root => RepoLayout.Root;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));
}
