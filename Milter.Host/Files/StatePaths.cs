namespace Milter.Host.Files;

/// <summary>The resolved state directory of this process.</summary>
internal sealed record StatePaths(string Directory);
