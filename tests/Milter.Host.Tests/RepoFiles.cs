namespace Milter.Host.Tests;

/// <summary>Files of the repository (docs, snippets, packaging), found from the test assembly's directory.</summary>
internal static class RepoFiles
{
    /// <summary>The repository root: bin/Debug/net10.0 of this project is five levels below it.</summary>
    public static string Root { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));
}
