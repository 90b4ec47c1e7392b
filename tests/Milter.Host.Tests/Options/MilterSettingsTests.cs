using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Milter.Host.Options;
using NUnit.Framework;

namespace Milter.Host.Tests.Options;

public class MilterSettingsTests
{
    private static readonly string Example = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "milter.example.json"));

    [Test]
    public void ExampleConfiguration_PassesEveryCheckRunMakesAtStart()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddJsonFile(Example).Build();

        MilterSettings settings = MilterSettings.Bind(configuration);

        settings.Problems.Should().BeEmpty();
        settings.Metrics.Listen.Should().BeNull("every optional feed is off in the example (and the conffile it becomes)");
        settings.Logging.Format.Should().Be("console");
        configuration["Logging:LogLevel:Default"].Should().Be("Information");
    }

    [Test]
    public void NoConfiguration_HasNoProblems_MetricsOff_ConsoleLogs()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().Build());

        settings.Problems.Should().BeEmpty();
        settings.Metrics.Listen.Should().BeNull();
        settings.Logging.Format.Should().Be("console");
        settings.Logging.SyslogSocket.Should().Be("/dev/log");
        settings.Logging.SyslogFacility.Should().Be("mail");
    }

    [TestCase("Milter:Logging:SyslogFacility", "mial", "Milter:Logging:SyslogFacility: 'mial' is not a syslog facility")]
    [TestCase("Milter:Logging:SyslogTag", "my milter", "Milter:Logging:SyslogTag: 'my milter' must be one word")]
    [TestCase("Milter:Metrics:Listen", "127.0.0.1", "Milter:Metrics:Listen: '127.0.0.1' is not ADDRESS:PORT")]
    [TestCase("Milter:Metrics:Listen", "127.0.0.1:0", "Milter:Metrics:Listen: '127.0.0.1:0' is not ADDRESS:PORT")]
    public void BadSetting_IsAProblemNamingIt(string key, string value, string problem)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        MilterSettings.Bind(configuration).Problems.Should().ContainSingle().Which.Should().StartWith(problem);
    }

    [Test]
    public void DeprecatedPolicyLocalDomains_StillSetsClassM_WithOneWarningNamingTheNewKey()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection([new("Milter:Policy:LocalDomains:0", "corp.example")]).Build());

        settings.Problems.Should().BeEmpty("the old key is still a setting");
        settings.Policy.ToPolicyOptions().HostDomains.Should().Equal("corp.example");
        settings.Warnings.Should().ContainSingle().Which.Should().StartWith("Milter:Policy:LocalDomains is deprecated: it is class m, now Milter:Policy:HostDomains");
    }

    [Test]
    public void PolicyHostDomains_SetsClassM_WithoutWarning()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection([new("Milter:Policy:HostDomains:0", "corp.example")]).Build());

        settings.Problems.Should().BeEmpty();
        settings.Policy.ToPolicyOptions().HostDomains.Should().Equal("corp.example");
        settings.Warnings.Should().BeEmpty();
    }

    [Test]
    public void PolicyHostDomains_AndTheDeprecatedKey_IsAProblemNamingBoth()
    {
        MilterSettings settings = MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection([new("Milter:Policy:HostDomains:0", "a.example"), new("Milter:Policy:LocalDomains:0", "b.example")]).Build());

        settings.Problems.Should().ContainSingle().Which.Should().Be("Milter:Policy:LocalDomains: the old name of Milter:Policy:HostDomains, which is set too; keep only HostDomains");
    }
}
