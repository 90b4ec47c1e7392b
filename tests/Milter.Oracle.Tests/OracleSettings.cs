using System.Globalization;

namespace Milter.Oracle.Tests;

/// <summary>
/// Size and seed of the differential run. CI uses the defaults (fixed seed, 2,000 sessions per profile); a larger run
/// on demand: <c>ORACLE_SESSIONS=20000 ORACLE_SEED=7 dotnet test tests/Milter.Oracle.Tests</c> (or tests/oracle.sh).
/// </summary>
public static class OracleSettings
{
    public const int DefaultSeed = 20261203;
    public const int DefaultSessions = 2000;

    /// <summary>Sessions per rule set (one Sendmail process each).</summary>
    public const int SessionsPerCase = 50;

    public static int Seed => Read("ORACLE_SEED", DefaultSeed);

    public static int Sessions => Read("ORACLE_SESSIONS", DefaultSessions);

    /// <summary>Sendmail batches run side by side (one namespace each).</summary>
    public static int Parallel => Read("ORACLE_PARALLEL", Math.Clamp(Environment.ProcessorCount, 1, 4));

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
