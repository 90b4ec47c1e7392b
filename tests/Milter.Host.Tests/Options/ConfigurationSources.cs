using Microsoft.Extensions.Configuration;

namespace Milter.Host.Tests.Options;

/// <summary>
/// The configuration sources a command reads, for one test: a JSON file in a temporary directory of its own and
/// environment variables under a prefix of its own (tests in parallel share the process environment). The provider
/// strips the prefix, so the variables are read exactly as <c>Milter__…</c> variables are.
/// </summary>
internal sealed class ConfigurationSources : IDisposable
{
    private readonly string _prefix = $"T{Guid.NewGuid():N}_";
    private readonly List<string> _variables = [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("milter-config").FullName;

    public string File => Path.Combine(Directory, "milter.json");

    /// <summary>The JSON file (when given), then the variables, as <c>ConfigurationFile.TryBuild</c> layers them.</summary>
    public ConfigurationManager Build(string? json, params (string Name, string Value)[] environment)
    {
        var configuration = new ConfigurationManager();
        if (json is not null)
        {
            System.IO.File.WriteAllText(File, json);
            configuration.AddJsonFile(File);
        }

        foreach ((string name, string value) in environment)
        {
            _variables.Add(_prefix + name);
            Environment.SetEnvironmentVariable(_prefix + name, value);
        }

        configuration.AddEnvironmentVariables(_prefix);
        return configuration;
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        foreach (string name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
