using System.Text.Json;
using System.Text.Json.Serialization;

namespace Milter.Host.Rules;

/// <summary>
/// What the running milter writes to <c>STATE/rules.json</c> at every (re)load, for <c>milter rules</c>: the rule set
/// in force and, when the last reload was refused, why.
/// </summary>
internal sealed record RulesStatus(
    int ProcessId,
    long Version,
    DateTimeOffset LoadedAt,
    IReadOnlyList<RulesStatusSource> Sources,
    DateTimeOffset? LastRefusedAt,
    IReadOnlyList<string> LastErrors)
{
    public const string FileName = "rules.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true); // atomic for readers
    }

    public static RulesStatus? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<RulesStatus>(File.ReadAllText(path), Json) : null;
    }
}

internal sealed record RulesStatusSource(string Kind, string Name, int Lines, int Entries, string Sha256);
