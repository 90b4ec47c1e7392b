using Microsoft.Extensions.Configuration;

namespace Milter.Host.Options;

/// <summary>
/// Which JSON configuration file a command reads: <c>--config FILE</c> (must exist), else <c>$MILTER_CONFIG</c>, else
/// <see cref="DefaultPath"/> (each read when it exists: a fresh machine runs on the defaults). Then come environment
/// variables (<c>Milter__Listener__Listen</c>), then the command's flags: flags win. A key of the file or of a
/// <c>Milter__…</c> variable that is not a setting stops every command that reads the configuration
/// (<see cref="ConfigurationKeys"/>), so a misspelt setting is never silently ignored.
/// </summary>
internal static class ConfigurationFile
{
    public const string DefaultPath = "/etc/milter/milter.json";

    /// <summary>Replaces <see cref="DefaultPath"/> (tests point it away from the machine's real file).</summary>
    public const string EnvironmentVariable = "MILTER_CONFIG";

    /// <summary><c>$MILTER_CONFIG</c> or <see cref="DefaultPath"/>: the file read when there is no <c>--config</c>.</summary>
    public static string DefaultOrChosenPath => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } chosen ? chosen : DefaultPath;

    /// <summary>
    /// The file and environment layers; false with <paramref name="problems"/> (one line each) when <c>--config</c>
    /// names no file, the file is not JSON, or a key is not a setting or holds what its setting cannot.
    /// </summary>
    public static bool TryBuild(string? flag, out ConfigurationManager configuration, out string? loaded, out IReadOnlyList<string> problems)
    {
        configuration = new ConfigurationManager();
        problems = [];
        loaded = null;
        if (flag is not null)
        {
            if (!File.Exists(flag))
            {
                problems = [$"config file {flag} not found"];
                return false;
            }

            loaded = Path.GetFullPath(flag);
        }
        else
        {
            string path = DefaultOrChosenPath;
            loaded = File.Exists(path) ? Path.GetFullPath(path) : null;
        }

        if (loaded is not null)
        {
            try
            {
                configuration.AddJsonFile(loaded, optional: false, reloadOnChange: false);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
            {
                problems = [$"config file {loaded}: {ex.Message}"];
                configuration.Dispose();
                return false;
            }
        }

        configuration.AddEnvironmentVariables();
        problems = ConfigurationKeys.CheckSources(configuration);
        if (problems.Count > 0)
        {
            configuration.Dispose();
            return false;
        }

        return true;
    }

    /// <summary>The state directory the way <c>run</c> resolves it, for the commands that talk to a running milter.</summary>
    public static bool TryStateDirectory(string? stateDirFlag, string? configFlag, out string directory, out IReadOnlyList<string> problems)
    {
        directory = string.Empty;
        if (stateDirFlag is not null)
        {
            problems = [];
            directory = StateDirectory.Resolve(stateDirFlag);
            return true;
        }

        if (!TryBuild(configFlag, out ConfigurationManager configuration, out _, out problems))
        {
            return false;
        }

        using (configuration)
        {
            directory = StateDirectory.Resolve(configuration[StateDirectory.Key]);
        }

        return true;
    }
}
