using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Milter.Host.Options;
using NUnit.Framework;

namespace Milter.Host.Tests.Options;

/// <summary>
/// Issue 15 item 6: a key that is not a setting, in the JSON file or in a <c>Milter__…</c> variable, is a problem naming
/// it and the nearest known key; the known keys come from the settings classes themselves.
/// </summary>
public class ConfigurationKeysTests
{
    private static readonly string Readme = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "README.md"));

    private readonly ConfigurationSources _sources = new();

    [TearDown]
    public void CleanUp() => _sources.Dispose();

    private IReadOnlyList<string> Check(string json, params (string Name, string Value)[] environment)
    {
        using ConfigurationManager configuration = _sources.Build(json, environment);
        return ConfigurationKeys.CheckSources(configuration);
    }

    private string File => _sources.File;

    [Test]
    public void MisspeltKeys_InTheFile_AreNamedWithTheNearestKnownKey() =>
        Check("""{ "Milter": { "Listn": { "Listen": "inet:1@127.0.0.1" }, "Policy": { "TrustAuthMechanisms": ["PLAIN"] } } }""").Should().BeEquivalentTo(
            $"Milter:Listn: unknown setting in {File}; did you mean Milter:Listener?",
            $"Milter:Policy:TrustAuthMechanisms: unknown setting in {File}; did you mean Milter:Policy:TrustedAuthMechanisms?");

    [Test]
    public void MisspeltKeys_InTheEnvironment_AreNamedWithTheVariable() =>
        Check("{}", ("Milter__Policy__TrustAuthMechanisms__0", "PLAIN"), ("Milter__Listn__Listen", "inet:1@127.0.0.1")).Should().BeEquivalentTo(
            "Milter:Listn: unknown setting in the environment (Milter__Listn__…); did you mean Milter:Listener?",
            "Milter:Policy:TrustAuthMechanisms: unknown setting in the environment (Milter__Policy__TrustAuthMechanisms__…); did you mean Milter:Policy:TrustedAuthMechanisms?");

    [Test]
    public void OtherEnvironmentVariables_AreNotTheMiltersToCheck() =>
        Check("{}", ("PATH", "/bin"), ("Logging__LogLevel__Anything", "Debug"), ("MILTER_CONFIG", "/x"), ("Miltr__Listener__Listen", "x")).Should().BeEmpty();

    [Test]
    public void KnownKeys_InAnyCase_AreAccepted() =>
        Check("""{ "milter": { "listener": { "idletimeoutseconds": 60 } } }""", ("MILTER__POLICY__OWNADDRESSES__0", "192.0.2.1")).Should().BeEmpty();

    [Test]
    public void AKeyOfAnotherSection_IsPointedToWhereItBelongs() =>
        Check("""{ "Milter": { "Listener": { "TrustedAuthMechanisms": [] }, "Drac": {} } }""").Should().BeEquivalentTo(
            $"Milter:Listener:TrustedAuthMechanisms: unknown setting in {File}; did you mean Milter:Policy:TrustedAuthMechanisms?",
            $"Milter:Drac: unknown setting in {File}; did you mean Milter:Leases:Drac?");

    [TestCase("""{ "Milter": { "Limits": { "UsesRedis": true } } }""", "Milter:Limits:UsesRedis")]
    [TestCase("""{ "Milter": { "Leases": { "Drac": { "Enabled": true } } } }""", "Milter:Leases:Drac:Enabled")]
    [TestCase("""{ "Milter": { "Rules": { "UsesEmbeddedExamples": false } } }""", "Milter:Rules:UsesEmbeddedExamples")]
    [TestCase("""{ "Milter": { "Leases": { "TtlValue": "1h" } } }""", "Milter:Leases:TtlValue")]
    public void ComputedProperty_IsNotASetting(string json, string path) =>
        Check(json).Should().ContainSingle().Which.Should().StartWith($"{path}: unknown setting in {File}; did you mean ");

    [Test]
    public void OutsideMilter_OnlyTheLoggingFrameworksKeysAreKnown() =>
        Check("""{ "Logging": { "LogLevel": { "Default": "Warning", "Milter.Decisions": "Debug" }, "Console": { "FormatterOptions": { "TimestampFormat": "HH:mm " } } }, "Logging2": 1, "Miltr": {} }""")
            .Should().BeEquivalentTo($"Logging2: unknown setting in {File}; did you mean Logging?", $"Miltr: unknown setting in {File}; did you mean Milter?");

    [Test]
    public void LogLevel_ThatIsNoLevel_IsAProblem() =>
        Check("""{ "Logging": { "LogLevel": { "Default": "Informaton", "X": "2" } } }""").Should().BeEquivalentTo(
            $"Logging:LogLevel:Default: 'Informaton' is not one of Trace, Debug, Information, Warning, Error, Critical, None in {File}",
            $"Logging:LogLevel:X: '2' is not one of Trace, Debug, Information, Warning, Error, Critical, None in {File}");

    [Test]
    public void ShapesThatCannotBind_AreProblems() =>
        Check("""{ "Milter": { "Listener": "inet:1@127.0.0.1", "Policy": { "OwnAddresses": { "first": "192.0.2.1" }, "TrustedAuthMechanisms": "PLAIN", "HostName": { "Name": "x" } } } }""")
            .Should().BeEquivalentTo(
                $"Milter:Listener: is a section of settings, not a value ('inet:1@127.0.0.1') in {File}",
                $"Milter:Policy:OwnAddresses:first: not an entry of the list Milter:Policy:OwnAddresses (entries are :0, :1, …) in {File}",
                $"Milter:Policy:TrustedAuthMechanisms: is a list, not one value ('PLAIN') in {File}: JSON [\"a\", \"b\"] or Milter__Policy__TrustedAuthMechanisms__0=a, __1=b; the empty list is [] or an empty value",
                $"Milter:Policy:HostName:Name: unknown setting in {File}: Milter:Policy:HostName takes one value, not settings below it");

    [Test]
    public void ExampleConfiguration_HasOnlyKnownKeys()
    {
        string example = Path.Combine(Path.GetDirectoryName(Readme)!, "docs", "milter.example.json");
        Check(System.IO.File.ReadAllText(example)).Should().BeEmpty();
    }

    [Test]
    public void APropertyAddedToASettingsClass_IsAKnownKey_WithoutAList()
    {
        SettingNode section = SettingsSchema.Section("Milter:New", typeof(NewSettings));
        section.Children.Keys.Should().BeEquivalentTo(nameof(NewSettings.DeadlineSeconds), nameof(NewSettings.Zones), nameof(NewSettings.Name));
        section.Children[nameof(NewSettings.Zones)].Kind.Should().Be(SettingKind.List);
    }

    /// <summary>README's table documents every setting (a section's row covers the keys below it), and names only settings.</summary>
    [Test]
    public void ReadmeTable_DocumentsEverySetting_AndOnlySettings()
    {
        List<string> documented = [.. ReadmeSettingNames()];
        documented.Should().NotBeEmpty();
        documented.Where(name => SettingsSchema.Find(name) is null).Should().BeEmpty("every name in README's table is a setting");
        var covered = new HashSet<string>(documented, StringComparer.OrdinalIgnoreCase);
        SettingsSchema.Root.DescendantsAndSelf()
            .Where(n => n.Kind is SettingKind.Value or SettingKind.List && n.Property is not null)
            .Where(n => !Ancestors(n.Path).Any(covered.Contains))
            .Select(n => n.Path)
            .Should().BeEmpty("every setting has a row in README's table");
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (int end = path.Length; end > 0; end = path.LastIndexOf(':', end - 1))
        {
            yield return path[..end];
        }
    }

    private static IEnumerable<string> ReadmeSettingNames()
    {
        bool inTable = false;
        foreach (string line in System.IO.File.ReadLines(Readme))
        {
            if (line.StartsWith("| setting |", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!inTable || !line.StartsWith("| `", StringComparison.Ordinal))
            {
                if (inTable && !line.StartsWith('|'))
                {
                    yield break;
                }

                continue;
            }

            string cell = line[2..line.IndexOf(" | ", StringComparison.Ordinal)];
            string prefix = string.Empty;
            foreach (Match token in Regex.Matches(cell, "`([^`]+)`"))
            {
                string name = token.Groups[1].Value;
                if (name.StartsWith("--", StringComparison.Ordinal))
                {
                    continue;
                }

                string full = name.StartsWith("Milter:", StringComparison.Ordinal) || name.StartsWith("Logging:", StringComparison.Ordinal) ? name : prefix + ":" + name.TrimStart(':');
                prefix = full[..full.LastIndexOf(':')];
                yield return full;
            }
        }
    }

    private sealed class NewSettings
    {
        public double DeadlineSeconds { get; set; } = 5;

        public string[] Zones { get; set; } = [];

        public string Name { get; set; } = "x";

        public bool Computed => Name.Length > 0;
    }
}
