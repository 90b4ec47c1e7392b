using System.Security.Cryptography;

namespace Milter.Policy.Access;

/// <summary>
/// Parses and validates the access source, relay-domains and local-host-names into a new immutable
/// <see cref="RuleSet"/>. Strict loads (the default) return no rule set when any file has an error, so a broken
/// edit never replaces a working policy; non-strict loads keep what makemap would have stored.
/// </summary>
public sealed class RuleSetLoader
{
    /// <summary>Manifest resource names of the embedded examples (<c>Examples/</c>).</summary>
    public const string ExampleAccess = "Milter.Policy.Examples.access";
    public const string ExampleRelayDomains = "Milter.Policy.Examples.relay-domains";
    public const string ExampleLocalHostNames = "Milter.Policy.Examples.local-host-names";
    public const string ExampleTests = "Milter.Policy.Examples.policy-tests";

    private readonly TimeProvider _time;
    private long _version;

    public RuleSetLoader(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Loads from paths; a null path means "no such file" (empty table/class).</summary>
    public RuleSetLoadResult LoadFiles(string? accessPath, string? relayDomainsPath = null, string? localHostNamesPath = null, bool strict = true)
    {
        var errors = new List<LoadDiagnostic>();
        var access = Read(accessPath, errors);
        var relay = Read(relayDomainsPath, errors);
        var local = Read(localHostNamesPath, errors);
        return errors.Count > 0 ? new RuleSetLoadResult(null, errors, []) : Load(access, relay, local, strict);
    }

    /// <summary>Loads from in-memory sources (any may be null).</summary>
    public RuleSetLoadResult Load(PolicyFile? access, PolicyFile? relayDomains = null, PolicyFile? localHostNames = null, bool strict = true)
    {
        var diagnostics = new List<LoadDiagnostic>();
        var sources = new List<RuleSetSource>();
        var parser = new AccessFileParser(diagnostics);
        if (access is not null)
        {
            parser.Parse(access);
        }

        var table = parser.Build();
        if (access is not null)
        {
            sources.Add(new RuleSetSource("access", access.Name, parser.Lines, table.Count, Digest(access)));
        }

        var relay = HostClass.NewMap();
        if (relayDomains is not null)
        {
            var lines = ClassFileParser.Parse(relayDomains, 'R', stopAtHash: true, relay, diagnostics);
            sources.Add(new RuleSetSource("relay-domains", relayDomains.Name, lines, relay.Count, Digest(relayDomains)));
        }

        var local = HostClass.NewMap();
        if (localHostNames is not null)
        {
            var lines = ClassFileParser.Parse(localHostNames, 'w', stopAtHash: false, local, diagnostics);
            sources.Add(new RuleSetSource("local-host-names", localHostNames.Name, lines, local.Count, Digest(localHostNames)));
        }

        var errors = diagnostics.Where(d => d.IsError).ToList();
        var warnings = diagnostics.Where(d => !d.IsError).ToList();
        if (strict && errors.Count > 0)
        {
            return new RuleSetLoadResult(null, errors, warnings);
        }

        var ruleSet = new RuleSet(Interlocked.Increment(ref _version), _time.GetUtcNow(), table,
            new HostClass('R', relay), new HostClass('w', local), sources);
        return new RuleSetLoadResult(ruleSet, errors, warnings);
    }

    /// <summary>The example files embedded in this assembly, so a host can run with no files at all.</summary>
    public RuleSetLoadResult LoadEmbeddedExamples() =>
        Load(ReadResource(ExampleAccess, "access"), ReadResource(ExampleRelayDomains, "relay-domains"),
            ReadResource(ExampleLocalHostNames, "local-host-names"));

    /// <summary>Reads an embedded example (see the <c>Example*</c> constants) under a short display name.</summary>
    public static PolicyFile ReadResource(string resourceName, string displayName)
    {
        using var stream = typeof(RuleSetLoader).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"embedded resource {resourceName} missing");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return new PolicyFile(displayName, memory.ToArray());
    }

    private static PolicyFile? Read(string? path, List<LoadDiagnostic> errors)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return PolicyFile.FromPath(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new LoadDiagnostic(path, 0, ex.Message, IsError: true));
            return null;
        }
    }

    private static string Digest(PolicyFile file) => Convert.ToHexStringLower(SHA256.HashData(file.Content));
}
