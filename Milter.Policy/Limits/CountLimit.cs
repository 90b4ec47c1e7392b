namespace Milter.Policy.Limits;

/// <summary>A plain cap (not a rate): open connections per client, recipients per message.</summary>
/// <param name="Name">Setting name, log field.</param>
/// <param name="Max">The most allowed; 0 = unlimited.</param>
/// <param name="Audit">Log what would be refused, refuse nothing.</param>
/// <param name="Exempt">Clients it does not apply to.</param>
public sealed record CountLimit(string Name, int Max, bool Audit = false, LimitExemptions Exempt = LimitExemptions.None);
