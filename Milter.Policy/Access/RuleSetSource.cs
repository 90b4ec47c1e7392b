namespace Milter.Policy.Access;

/// <summary>Description of one file a <see cref="RuleSet"/> was built from.</summary>
/// <param name="Kind"><c>access</c>, <c>relay-domains</c> or <c>local-host-names</c>.</param>
/// <param name="Name">File name as given.</param>
/// <param name="Lines">Lines read (makemap counting).</param>
/// <param name="Entries">Entries or class members stored.</param>
/// <param name="Sha256">Hex digest of the bytes, to tell reloads apart.</param>
public sealed record RuleSetSource(string Kind, string Name, int Lines, int Entries, string Sha256);
