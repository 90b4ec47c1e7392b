namespace Milter.Host.Options;

/// <summary>Settings under <c>Milter:Rules</c>: the Sendmail files the policy reads. None set = the embedded examples.</summary>
public sealed class RuleFilesOptions
{
    public const string Section = "Milter:Rules";

    /// <summary>The <c>access</c> source file (makemap's input), e.g. /etc/mail/access.</summary>
    public string? Access { get; set; }

    /// <summary>Class R, e.g. /etc/mail/relay-domains.</summary>
    public string? RelayDomains { get; set; }

    /// <summary>Class w, e.g. /etc/mail/local-host-names.</summary>
    public string? LocalDomains { get; set; }

    public bool UsesEmbeddedExamples => Access is null && RelayDomains is null && LocalDomains is null;

    /// <summary>Loads these files, or the embedded examples when none is set (what run, check, test and rules share).</summary>
    internal Milter.Policy.Access.RuleSetLoadResult Load(Milter.Policy.Access.RuleSetLoader loader) =>
        UsesEmbeddedExamples ? loader.LoadEmbeddedExamples() : loader.LoadFiles(Access, RelayDomains, LocalDomains);
}
