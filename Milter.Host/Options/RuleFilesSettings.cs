using Milter.Policy.Access;

namespace Milter.Host.Options;

/// <summary>
/// Settings under <c>Milter:Rules</c>: the Sendmail files the policy reads. None set = the embedded examples (a
/// demonstration, never a silent default: every command that uses them says so). A configured file must exist and
/// be readable, unless its setting's name is listed in <see cref="Optional"/>; then a missing file is an empty one.
/// </summary>
public sealed class RuleFilesSettings
{
    public const string Section = "Milter:Rules";

    /// <summary>What the start log, <c>milter rules</c> and <c>rules --check</c> say about the embedded examples.</summary>
    public const string EmbeddedNotice = "embedded example rules, not for production";

    private static readonly string[] Keys = [nameof(Access), nameof(RelayDomains), nameof(LocalDomains)];

    /// <summary>The <c>access</c> source file (makemap's input), e.g. /etc/mail/access.</summary>
    public string? Access { get; set; }

    /// <summary>Class R, e.g. /etc/mail/relay-domains.</summary>
    public string? RelayDomains { get; set; }

    /// <summary>Class w, e.g. /etc/mail/local-host-names.</summary>
    public string? LocalDomains { get; set; }

    /// <summary>
    /// The files that may be missing, by setting name (<c>["RelayDomains"]</c>), as sendmail.cf's <c>F{R}-o</c>: a
    /// missing one loads as empty (at start and at every reload); an unreadable one is still an error.
    /// </summary>
    public List<string> Optional { get; set; } = [];

    public bool UsesEmbeddedExamples => Access is null && RelayDomains is null && LocalDomains is null;

    /// <summary>Problems of the settings themselves, each naming its key.</summary>
    public IEnumerable<string> Validate()
    {
        for (int i = 0; i < Optional.Count; i++)
        {
            if (!Keys.Contains(Optional[i], StringComparer.OrdinalIgnoreCase))
            {
                yield return $"{Section}:Optional:{i}: '{Optional[i]}' is not {string.Join(", ", Keys)}";
            }
        }
    }

    /// <summary>
    /// One line per configured file that is missing (and not optional) or cannot be read:
    /// <c>rule file /etc/mail/access (Milter:Rules:Access): cannot be read: Permission denied</c>.
    /// </summary>
    public IReadOnlyList<string> Unusable()
    {
        var problems = new List<string>();
        foreach ((string key, string path) in Configured())
        {
            string name = $"rule file {path} ({Section}:{key})";
            if (Directory.Exists(path))
            {
                problems.Add($"{name}: is a directory, not a file");
            }
            else if (!File.Exists(path))
            {
                if (!IsOptional(key))
                {
                    problems.Add($"{name}: no such file (list {key} in {Section}:Optional if it may be missing)");
                }
            }
            else
            {
                try
                {
                    using FileStream probe = File.OpenRead(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"{name}: cannot be read: {ex.Message}");
                }
            }
        }

        return problems;
    }

    /// <summary>Loads these files (a missing optional one as none), or the embedded examples when none is set.</summary>
    internal RuleSetLoadResult Load(RuleSetLoader loader) =>
        UsesEmbeddedExamples ? loader.LoadEmbeddedExamples() : loader.LoadFiles(Present(nameof(Access), Access), Present(nameof(RelayDomains), RelayDomains), Present(nameof(LocalDomains), LocalDomains));

    private string? Present(string key, string? path) => path is not null && IsOptional(key) && !File.Exists(path) && !Directory.Exists(path) ? null : path;

    private bool IsOptional(string key) => Optional.Contains(key, StringComparer.OrdinalIgnoreCase);

    private IEnumerable<(string Key, string Path)> Configured()
    {
        foreach ((string key, string? path) in new[] { (nameof(Access), Access), (nameof(RelayDomains), RelayDomains), (nameof(LocalDomains), LocalDomains) })
        {
            if (path is not null)
            {
                yield return (key, path);
            }
        }
    }
}
