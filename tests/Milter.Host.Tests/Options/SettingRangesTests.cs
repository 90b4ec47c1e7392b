using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Host.Options;
using NUnit.Framework;

namespace Milter.Host.Tests.Options;

/// <summary>
/// Issue 15 item 5: every setting has a range the service can honour, checked at start with the setting's name. The
/// numbers are found by reflection over the settings classes, so a number added by anyone is tested here too.
/// </summary>
public class SettingRangesTests
{
    private static IEnumerable<SettingNode> Numbers() => SettingsSchema.Milter.DescendantsAndSelf()
        .Where(n => n.Kind == SettingKind.Value && n.Property is not null && n.ValueType != typeof(bool) && !n.ValueType!.IsEnum && n.ValueType != typeof(string));

    private static IEnumerable<TestCaseData> RangedNumbers() => Numbers().Select(n => new TestCaseData(n.Path).SetArgDisplayNames(n.Path));

    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] settings) =>
        MilterSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build()).Problems;

    private static (double Min, double Max, bool Whole) RangeOf(string path)
    {
        SettingNode node = SettingsSchema.Find(path)!;
        (double min, double max) = SettingRanges.Range(node)!.Value;
        return (min, max, node.ValueType != typeof(double) && node.ValueType != typeof(float) && node.ValueType != typeof(decimal));
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [Test]
    public void EveryNumberSetting_HasARange()
    {
        Numbers().Should().NotBeEmpty();
        Numbers().Where(n => SettingRanges.Range(n) is null).Select(n => n.Path).Should().BeEmpty("every number needs a [Range] the service can honour");
    }

    /// <summary>Intervals whose 0 is a documented choice, not a timer that fires at once: 0 = write each log line at once.</summary>
    /// <summary>The shortest handler timeouts fit only stages that wait for no DNS (DnsSettingsTests checks the sum).</summary>
    private static readonly (string, string) NoDnsCheck = ("Milter:Policy:AcceptUnresolvableDomains", "true");

    private static readonly HashSet<string> ZeroMeansNoWait = ["Milter:Logging:BatchMilliseconds"];

    [Test]
    public void EveryTimeout_FitsTheTimersItFeeds()
    {
        foreach (SettingNode node in Numbers().Where(n => n.Name.EndsWith("Seconds", StringComparison.Ordinal) || n.Name.EndsWith("Milliseconds", StringComparison.Ordinal)))
        {
            double max = SettingRanges.Range(node)!.Value.Maximum;
            TimeSpan longest = node.Name.EndsWith("Milliseconds", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(max) : TimeSpan.FromSeconds(max);
            longest.Should().BeLessThan(SettingRanges.MaxTimer, node.Path);
            if (!ZeroMeansNoWait.Contains(node.Path))
            {
                SettingRanges.Range(node)!.Value.Minimum.Should().BeGreaterThan(0, node.Path);
            }
        }
    }

    [TestCaseSource(nameof(RangedNumbers))]
    public void Number_AtEachBound_IsAccepted(string path)
    {
        (double min, double max, _) = RangeOf(path);
        Problems((path, Text(min)), NoDnsCheck).Should().BeEmpty();
        Problems((path, Text(max))).Should().NotContain(p => p.StartsWith(path + ": must be between", StringComparison.Ordinal));
    }

    [TestCaseSource(nameof(RangedNumbers))]
    public void Number_PastEachBound_IsOneProblemNamingIt(string path)
    {
        (double min, double max, bool whole) = RangeOf(path);
        double below = whole ? min - 1 : min - (min > 0 ? min / 10 : 1);
        double above = whole ? max + 1 : max + (max / 10);
        Problems((path, Text(below))).Should().ContainSingle().Which.Should().StartWith($"{path}: must be between {Text(min)} and {Text(max)}, not ");
        Problems((path, Text(above))).Should().ContainSingle().Which.Should().StartWith($"{path}: must be between {Text(min)} and {Text(max)}, not ");
    }

    [Test]
    public void EveryNumberAtItsMaximum_Together_IsAValidConfiguration() =>
        Problems([.. Numbers().Select(n => (n.Path, Text(SettingRanges.Range(n)!.Value.Maximum)))]).Should().BeEmpty();

    [Test]
    public void EveryNumberAtItsMinimum_Together_IsAValidConfiguration() =>
        Problems([.. Numbers().Select(n => (n.Path, Text(SettingRanges.Range(n)!.Value.Minimum))), NoDnsCheck]).Should().BeEmpty();

    [TestCase("Milter:Listener:IdleTimeoutSeconds", "4300000")]
    [TestCase("Milter:Listener:HandlerTimeoutSeconds", "99999999999")]
    [TestCase("Milter:Listener:ShutdownTimeoutSeconds", "5000000")]
    [TestCase("Milter:Listener:MaxConnections", "0")]
    [TestCase("Milter:Leases:MaxEntries", "2147483647")]
    [TestCase("Milter:Leases:Redis:TimeoutMilliseconds", "5")]
    [TestCase("Milter:Limits:ClientMessageRate:PeriodSeconds", "NaN")]
    [TestCase("Milter:Limits:ClientMessageRate:Count", "2000000000")]
    public void ReportedValue_IsRefusedNamingTheSetting(string path, string value) =>
        Problems((path, value)).Should().ContainSingle().Which.Should().StartWith($"{path}: must be between");

    [TestCase("Milter:Listener:MaxConnections", "99999999999", "'99999999999' is not a whole number (from 1 to 1048576)")]
    [TestCase("Milter:Listener:IdleTimeoutSeconds", "soon", "'soon' is not a number (from 1 to 86400)")]
    [TestCase("Milter:Limits:Enabled", "yes", "'yes' is not true or false")]
    [TestCase("Milter:Limits:MailBomb:Burst", "-", "'-' is not a whole number (from 1 to 1000000000)")]
    [TestCase("Milter:Listener:MaxConnections", "", "is empty; it takes a whole number")]
    public void ValueTheTypeCannotHold_IsAProblem_NotAnException(string path, string value, string problem) =>
        Problems((path, value)).Should().ContainSingle().Which.Should().Be($"{path}: {problem}");

    [TestCase("Milter:Leases:Ttl")]
    [TestCase("Milter:Leases:Drac:Ttl")]
    [TestCase("Milter:Leases:LogFollower:Ttl")]
    public void Ttl_ObeysOneCap_InEverySpelling(string path)
    {
        foreach (string ok in new[] { "1", "1s", "3650d", "87600h", "5256000m", "315360000", "315360000s", "3650.00:00:00", "00:00:01" })
        {
            Problems((path, ok)).Should().BeEmpty(ok);
        }

        foreach (string bad in new[] { "3000000.00:00:00", "3651d", "87601h", "315360001", "3650.00:00:01", "00:00:00.5", "0", "0s", "00:00:00", "-00:30:00", "99999999999999999999d" })
        {
            Problems((path, bad)).Should().ContainSingle(bad).Which.Should().StartWith($"{path}: '{bad}' is not a duration from 1 s to 3650 days");
        }
    }

    [Test]
    public void LeaseTtl_AtTheCap_GivesALeaseEveryStoreCanHold()
    {
        LeaseDuration.TryParse("3650d", out TimeSpan ttl).Should().BeTrue();
        var table = new Milter.Policy.Leases.InMemoryLeaseStore(ttl: ttl);
        table.Add(System.Net.IPAddress.Parse("192.0.2.1")).Expires.Should().BeAfter(DateTimeOffset.UtcNow.AddDays(3649));
    }

    [TestCase("Milter:Limits:Redis:KeyPrefix", 256)]
    [TestCase("Milter:Leases:Redis:KeyPrefix", 256)]
    [TestCase("Milter:Leases:SocketMap:MapName", 64)]
    [TestCase("Milter:Logging:SyslogTag", 32)]
    [TestCase("Milter:Admin:Group", 32)]
    [TestCase("Milter:Rules:Access", 4096)]
    [TestCase("Milter:Leases:LogFollower:Path", 4096)]
    public void Text_AtItsLongest_IsAccepted_OneMore_IsAProblem(string path, int longest)
    {
        Problems((path, new string('a', longest))).Should().BeEmpty();
        Problems((path, new string('a', longest + 1))).Should().ContainSingle().Which.Should().Be($"{path}: is {longest + 1} characters long; from {SettingRanges.Length(SettingsSchema.Find(path)!, 0).Minimum} to {longest} are allowed");
    }

    [TestCase("Milter:Policy:OwnAddresses", 1000, "192.0.2.1")]
    [TestCase("Milter:Policy:TrustedAuthMechanisms", 100, "PLAIN")]
    [TestCase("Milter:Policy:HostDomains", SettingRanges.MaxListEntries, "example.org")]
    [TestCase("Milter:Policy:LocalDomains", SettingRanges.MaxListEntries, "example.org")]
    public void List_AtItsLongest_IsAccepted_OneMore_IsAProblem(string path, int longest, string entry)
    {
        (string, string)[] Entries(int count) => [.. Enumerable.Range(0, count).Select(i => ($"{path}:{i}", entry))];
        Problems(Entries(longest)).Should().BeEmpty();
        Problems(Entries(longest + 1)).Should().ContainSingle().Which.Should().Be($"{path}: has {longest + 1} entries; from 0 to {longest} are allowed");
    }

    [Test]
    public void StateDirectory_TooLongForTheAdminSocket_IsAProblem()
    {
        string longest = "/" + new string('s', 95);
        Problems(("Milter:StateDirectory", longest)).Should().BeEmpty();
        Problems(("Milter:StateDirectory", longest + "s")).Should().ContainSingle().Which.Should().StartWith("Milter:StateDirectory: '/sss").And.EndWith("is too long for the admin socket in it (at most 96 bytes)");
    }

    [TestCase("0", "Milter:Policy:TrustedAuthMechanisms:0: '0 x' is not a SASL mechanism name")]
    public void SaslMechanism_WithASpace_IsAProblem(string index, string problem) =>
        Problems(($"Milter:Policy:TrustedAuthMechanisms:{index}", "0 x")).Should().ContainSingle().Which.Should().StartWith(problem);

    [TestCase("Milter:Policy:HostName", "mail example.org", "Milter:Policy:HostName: 'mail example.org' is not a host name")]
    [TestCase("Milter:Policy:HostDomains:0", "[127.0.0.1]", "Milter:Policy:HostDomains:0: '[127.0.0.1]' is not a domain name")]
    [TestCase("Milter:Policy:LocalDomains:0", "[127.0.0.1]", "Milter:Policy:LocalDomains:0: '[127.0.0.1]' is not a domain name")]
    [TestCase("Milter:Listener:SocketMode", "4777", "Milter:Listener:SocketMode: '4777' is not an octal mode from 000 to 777")]
    [TestCase("Milter:Leases:SocketMap:SocketMode", "66", "Milter:Leases:SocketMap:SocketMode: '66' is not an octal mode from 000 to 777")]
    [TestCase("Milter:Admin:Group", "mail:x", "Milter:Admin:Group: 'mail:x' is not a group name")]
    [TestCase("Milter:Listener:Listen", "unix:/run/milter/a-socket-path-longer-than-a-sockaddr-un-can-hold-which-is-one-hundred-and-seven-bytes-and-some-more.sock", "Milter:Listener:Listen: 'unix:/run/milter/a-socket-path-longer-than-a-sockaddr-un-can-hold-which-is-one-hundred-and-seven-bytes-and-some-more.sock': a unix socket path holds at most 107 bytes")]
    [TestCase("Milter:Leases:SocketMap:Listen", "unix:/run/milter/a-socket-path-longer-than-a-sockaddr-un-can-hold-which-is-one-hundred-and-seven-bytes-and-some-more.sock", "Milter:Leases:SocketMap:Listen: 'unix:/run/milter/a-socket-path-longer-than-a-sockaddr-un-can-hold-which-is-one-hundred-and-seven-bytes-and-some-more.sock': a unix socket path holds at most 107 bytes")]
    [TestCase("Milter:Logging:SyslogSocket", "/run/a-socket-path-longer-than-a-sockaddr-un-can-hold-which-is-one-hundred-and-seven-bytes-xxxxxxxxxxxxxxxxxxxxxxxx", "Milter:Logging:SyslogSocket: must name a unix datagram socket of at most 107 bytes")]
    public void Text_ThatCannotBeUsed_IsAProblem(string path, string value, string problem) =>
        Problems((path, value)).Should().ContainSingle().Which.Should().StartWith(problem);

    [Test]
    public void Burst_ThatRefillsInMoreThanAYear_IsAProblem()
    {
        const string Rate = "Milter:Limits:MailBomb";
        Problems(($"{Rate}:Count", "1"), ($"{Rate}:PeriodSeconds", "604800"), ($"{Rate}:Burst", "52")).Should().BeEmpty();
        Problems(($"{Rate}:Count", "1"), ($"{Rate}:PeriodSeconds", "604800"), ($"{Rate}:Burst", "53")).Should().ContainSingle()
            .Which.Should().StartWith($"{Rate}:Burst: 53 refills in 32054400 s at 1 per 604800 s; at most 31536000 s");
    }

    [Test]
    public void HandlerTimeout_ShorterThanAStageMayWaitForRedis_IsAProblem()
    {
        (string, string)[] redis = [("Milter:Leases:Store", "redis:127.0.0.1:1"), ("Milter:Leases:Redis:TimeoutMilliseconds", "2000"), ("Milter:Limits:Store", "Redis"), ("Milter:Limits:Redis:TimeoutMilliseconds", "1500"), NoDnsCheck];
        Problems([.. redis, ("Milter:Listener:HandlerTimeoutSeconds", "4.5")]).Should().BeEmpty();
        Problems([.. redis, ("Milter:Listener:HandlerTimeoutSeconds", "4.4")]).Should().ContainSingle()
            .Which.Should().StartWith("Milter:Listener:HandlerTimeoutSeconds: 4.4 s is shorter than a stage may wait (4.5 s: Milter:Leases:Redis:TimeoutMilliseconds 2000 + Milter:Limits:Redis:TimeoutMilliseconds 1500 + 1000 ms margin)");
        Problems(("Milter:Listener:HandlerTimeoutSeconds", "0.1"), NoDnsCheck).Should().BeEmpty("without Redis or DNS no stage waits for either");
    }

    [Test]
    public void RangeAttributes_AreTheDataAnnotationsOnes_SoTheyDocumentThemselves() =>
        typeof(ListenerSettings).GetProperty(nameof(ListenerSettings.IdleTimeoutSeconds))!.GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), false).Should().ContainSingle();
}
