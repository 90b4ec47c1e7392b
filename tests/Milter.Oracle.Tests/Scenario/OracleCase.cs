namespace Milter.Oracle.Tests.Scenario;

/// <summary>A rule set with the sessions run against it (one Sendmail process per case and profile).</summary>
public sealed record OracleCase(int Index, OracleRules Rules, IReadOnlyList<OracleSession> Sessions);
