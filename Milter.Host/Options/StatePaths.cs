namespace Milter.Host.Options;

/// <summary>The resolved state directory of this process.</summary>
internal sealed record StatePaths(string Directory);
