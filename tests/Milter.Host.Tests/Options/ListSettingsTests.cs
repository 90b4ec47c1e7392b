using System.Collections;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Milter.Host.Options;
using Milter.Policy.Limits;
using NUnit.Framework;

namespace Milter.Host.Tests.Options;

/// <summary>
/// Issue 15 item 9: a list setting replaces its default, in JSON and in the environment, and can be emptied. Every list
/// of the settings classes is tested (found by reflection); a new list needs a sample value below.
/// </summary>
public class ListSettingsTests
{
    /// <summary>Two valid entries for each list setting (different from its default).</summary>
    private static readonly Dictionary<string, string[]> Samples = new(StringComparer.Ordinal)
    {
        ["Milter:Rules:Optional"] = ["RelayDomains", "LocalDomains"],
        ["Milter:Policy:TrustedAuthMechanisms"] = ["PLAIN", "LOGIN"],
        ["Milter:Policy:OwnAddresses"] = ["192.0.2.1", "2001:db8::1"],
        ["Milter:Policy:HostDomains"] = ["example.org", "example.net"],
        ["Milter:Policy:LocalDomains"] = ["example.org", "example.net"],
        ["Milter:Dns:Servers"] = ["192.0.2.53", "[2001:db8::53]:5353"],
    };

    private readonly ConfigurationSources _sources = new();

    [TearDown]
    public void CleanUp() => _sources.Dispose();

    /// <summary>The lists of values outside lists of sections (those have their own tests below).</summary>
    private static IEnumerable<TestCaseData> Lists() =>
        SettingsSchema.Milter.DescendantsAndSelf()
            .Where(n => n.Kind == SettingKind.List && n.Entry!.Kind == SettingKind.Value && !n.Path.Contains(":*:", StringComparison.Ordinal))
            .Select(n => new TestCaseData(n.Path).SetArgDisplayNames(n.Path));

    [Test]
    public void ListsOfSections_AreTheDnsblListsOnly() =>
        SettingsSchema.Milter.DescendantsAndSelf().Where(n => n.Kind == SettingKind.List && n.Entry!.Kind != SettingKind.Value).Select(n => n.Path)
            .Should().Equal(["Milter:Policy:Dnsbl"], "a new list of sections needs tests like Dnsbl_* below");

    [Test]
    public void Dnsbl_FromJson_ReplacesTheDefaultAndItsMatchList()
    {
        var lists = FromJson("""{ "Milter": { "Policy": { "Dnsbl": [ { "Zone": "a.example", "Match": ["127.0.0.2.", "127.0.0.3."] }, { "Zone": "b.example" } ] } } }""").Policy.Dnsbl;
        lists.Select(l => l.Zone).Should().Equal("a.example", "b.example");
        lists[0].Match.Should().Equal("127.0.0.2.", "127.0.0.3.");
        lists[1].Match.Should().BeEmpty();
    }

    [Test]
    public void Dnsbl_FromTheEnvironment_ReplacesTheDefault()
    {
        var lists = FromEnvironment(("Milter__Policy__Dnsbl__0__Zone", "a.example"), ("Milter__Policy__Dnsbl__0__Match__0", "127.0.0.4.")).Policy.Dnsbl;
        lists.Should().ContainSingle().Which.Match.Should().Equal("127.0.0.4.");
    }

    [Test]
    public void Dnsbl_EmptyArray_IsEmpty() =>
        FromJson("""{ "Milter": { "Policy": { "Dnsbl": [] } } }""").Policy.Dnsbl.Should().BeEmpty();

    private MilterSettings FromJson(string json) => Checked(_sources.Build(json));

    private MilterSettings FromEnvironment(params (string Name, string Value)[] variables) => Checked(_sources.Build(null, variables));

    private static MilterSettings Checked(ConfigurationManager configuration)
    {
        using (configuration)
        {
            ConfigurationKeys.CheckSources(configuration).Should().BeEmpty();
            return Bound(configuration);
        }
    }

    private static MilterSettings Bound(IConfiguration configuration)
    {
        MilterSettings settings = MilterSettings.Bind(configuration);
        settings.Problems.Should().BeEmpty();
        return settings;
    }

    /// <summary>The bound value of a key path, read through the properties the schema names.</summary>
    private static string[] Value(MilterSettings settings, string path)
    {
        object? value = settings;
        SettingNode node = SettingsSchema.Milter;
        foreach (string segment in path.Split(':').Skip(1))
        {
            node = node.Children[segment];
            value = node.Property!.GetValue(value);
        }

        return value is null ? [] : [.. ((IEnumerable)value).Cast<string>()]; // null: a list whose default is "not set" (HostDomains)
    }

    private static string Json(string path, string array)
    {
        string[] segments = path.Split(':');
        return "{ " + string.Concat(segments[..^1].Select(s => $"\"{s}\": {{ ")) + $"\"{segments[^1]}\": {array}" + new string('}', segments.Length - 1).Replace("}", " }", StringComparison.Ordinal) + " }";
    }

    private static string Environment_(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    [Test]
    public void EveryListSetting_HasASample() =>
        Lists().Select(c => (string)c.Arguments[0]!).Should().BeEquivalentTo(Samples.Keys);

    [TestCaseSource(nameof(Lists))]
    public void List_FromJson_ReplacesTheDefault(string path) =>
        Value(FromJson(Json(path, "[" + string.Join(", ", Samples[path].Select(v => $"\"{v}\"")) + "]")), path).Should().Equal(Samples[path]);

    [TestCaseSource(nameof(Lists))]
    public void List_FromJson_EmptyArray_IsEmpty(string path) =>
        Value(FromJson(Json(path, "[]")), path).Should().BeEmpty();

    [TestCaseSource(nameof(Lists))]
    public void List_FromJson_EmptyString_IsEmpty(string path) =>
        Value(FromJson(Json(path, "\"\"")), path).Should().BeEmpty();

    [TestCaseSource(nameof(Lists))]
    public void List_FromTheEnvironment_ReplacesTheDefault(string path) =>
        Value(FromEnvironment([.. Samples[path].Select((v, i) => ($"{Environment_(path)}__{i}", v))]), path).Should().Equal(Samples[path]);

    [TestCaseSource(nameof(Lists))]
    public void List_FromTheEnvironment_EmptyValue_IsEmpty(string path) =>
        Value(FromEnvironment((Environment_(path), string.Empty)), path).Should().BeEmpty();

    [TestCaseSource(nameof(Lists))]
    public void List_NotConfigured_KeepsItsDefault(string path) =>
        Value(FromJson("{}"), path).Should().Equal(Value(Bound(new ConfigurationBuilder().Build()), path));

    [Test]
    public void TrustedAuthMechanisms_TwoGiven_TrustsExactlyThose()
    {
        var options = FromJson("""{ "Milter": { "Policy": { "TrustedAuthMechanisms": ["PLAIN", "LOGIN"] } } }""").Policy.ToPolicyOptions();
        options.TrustedAuthMechanisms.Should().Equal("PLAIN", "LOGIN");
    }

    [Test]
    public void ExemptList_FromJsonAndEnvironment_ReplacesTheDefault()
    {
        FromJson("""{ "Milter": { "Limits": { "ClientConnections": { "Exempt": "Leased" }, "MailBomb": { "Exempt": "None" } } } }""").Limits.ToFloodLimits()
            .Should().Match<FloodLimits>(l => l.ClientConnections!.Exempt == LimitExemptions.Leased && l.MailBomb!.Exempt == LimitExemptions.None);
        FromEnvironment(("Milter__Limits__ClientConnectionRate__Exempt", "Authenticated")).Limits.ToFloodLimits()
            .ClientConnectionRate!.Exempt.Should().Be(LimitExemptions.Authenticated);
    }
}
