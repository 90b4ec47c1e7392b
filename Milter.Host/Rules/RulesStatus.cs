using System.Text.Json;
using System.Text.Json.Serialization;
using Milter.Host.Files;

namespace Milter.Host.Rules;

/// <summary>
/// What the running milter writes to <c>STATE/rules.json</c> at every (re)load, for <c>milter rules</c>: the rule set
/// in force, a notice when it is the embedded examples, and, when the last reload was refused, why. Written and read
/// without following a symbolic link (<see cref="SafeFile"/>).
/// </summary>
internal sealed record RulesStatus(
    int ProcessId,
    long Version,
    DateTimeOffset LoadedAt,
    IReadOnlyList<RulesStatusSource> Sources,
    DateTimeOffset? LastRefusedAt,
    IReadOnlyList<string> LastErrors,
    string? Notice = null)
{
    public const string FileName = "rules.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public void Write(string directory) =>
        SafeFile.Replace(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json), SafeFile.Readable);

    public static RulesStatus? Read(string directory) =>
        SafeFile.ReadAllBytes(Path.Combine(directory, FileName), 4 * 1024 * 1024) is { } content ? JsonSerializer.Deserialize<RulesStatus>(content, Json) : null;
}

internal sealed record RulesStatusSource(string Kind, string Name, int Lines, int Entries, string Sha256);
