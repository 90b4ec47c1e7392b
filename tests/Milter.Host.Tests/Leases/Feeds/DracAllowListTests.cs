using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Leases.Feeds.Drac;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

[TestFixture]
public sealed class DracAllowListTests
{
    private string _dir = null!;
    private string _path = null!;
    private const string Sample =
        "# dracd.allow: netmask netaddr\n" +
        "255.255.255.255 127.0.0.1\n" +
        "255.255.255.0\t192.0.2.0   # the POP servers\n" +
        "\n" +
        " 255.255.255.255 198.51.100.1\n" + // leading blank: sscanf's %[0-9.] fails, DRAC ignores it
        "255.255.0.0 10.1.0.0\r\n";

    [TestCase("127.0.0.1", true)]
    [TestCase("127.0.0.2", false)]
    [TestCase("192.0.2.1", true)]
    [TestCase("192.0.2.254", true)]
    [TestCase("192.0.3.1", false)]
    [TestCase("198.51.100.1", false)]
    [TestCase("10.1.200.3", true)]
    [TestCase("::ffff:192.0.2.7", true)]
    [TestCase("::1", false)]
    [TestCase("2001:db8::1", false)]
    public void IsAllowed_IpAndMaskEqualsAddr(string caller, bool allowed) =>
        DracAllowList.Parse(Sample, "dracd.allow").IsAllowed(IPAddress.Parse(caller)).Should().Be(allowed);

    [Test]
    public void Parse_ReportsLinesDracIgnores()
    {
        DracAllowList list = DracAllowList.Parse(Sample + "255.255.255.256 1.2.3.4\nnonsense\n", "dracd.allow");

        list.Count.Should().Be(3);
        list.Problems.Should().Equal(
            "dracd.allow:5: not 'netmask netaddr' (ignored, as DRAC does)",
            "dracd.allow:7: not a dotted quad (ignored)",
            "dracd.allow:8: not 'netmask netaddr' (ignored, as DRAC does)");
    }

    [Test]
    public void Default_AllowsLoopback_LikeDracWithoutAFile()
    {
        DracAllowList list = DracAllowList.Default();

        list.IsAllowed(IPAddress.Loopback).Should().BeTrue();
        list.IsAllowed(IPAddress.IPv6Loopback).Should().BeTrue();
        list.IsAllowed(IPAddress.Parse("192.0.2.99")).Should().BeFalse();
    }

    [Test]
    public void EmptyFile_AllowsNobody() =>
        DracAllowList.Parse("# nobody\n", "dracd.allow").IsAllowed(IPAddress.Loopback).Should().BeFalse();

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Directory.CreateTempSubdirectory("drac-allow").FullName;
        _path = Path.Combine(_dir, "dracd.allow");
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task AllowFile_ChangedOnDisk_IsReadAgain()
    {
        await File.WriteAllTextAsync(_path, "255.255.255.255 127.0.0.1\n");
        var file = new DracAllowFile(_path, new FakeLogger());
        file.Load();
        file.Current.IsAllowed(IPAddress.Parse("127.0.0.2")).Should().BeFalse();

        await File.WriteAllTextAsync(_path, "255.255.255.255 127.0.0.2\n");
        File.SetLastWriteTimeUtc(_path, DateTime.UtcNow.AddSeconds(5)); // a new stamp even within the clock's resolution

        file.Current.IsAllowed(IPAddress.Parse("127.0.0.2")).Should().BeTrue();
        file.Current.IsAllowed(IPAddress.Loopback).Should().BeFalse();
    }

    [Test]
    public async Task AllowFile_ThatDisappears_KeepsTheLastList_NeverDracsWiderDefault()
    {
        await File.WriteAllTextAsync(_path, "255.255.255.255 127.0.0.2\n");
        var logger = new FakeLogger();
        var file = new DracAllowFile(_path, logger);
        file.Load();

        File.Delete(_path);

        file.Current.IsAllowed(IPAddress.Loopback).Should().BeFalse("DRAC's default (loopback and this host's addresses) would let every local user in");
        file.Current.IsAllowed(IPAddress.Parse("127.0.0.2")).Should().BeTrue("the last list stays in force");
        logger.LatestRecord.Message.Should().Be($"drac allow file {_path} is gone: the last list (1 networks) stays in force until it is back");
    }

    [Test]
    public void AllowFile_ConfiguredButMissingAtStart_StopsTheStart()
    {
        var file = new DracAllowFile("/nonexistent/dracd.allow", new FakeLogger());

        FluentActions.Invoking(file.Load).Should().Throw<InvalidOperationException>()
            .WithMessage("Milter:Leases:Drac:AllowFile: /nonexistent/dracd.allow: no such file (remove the setting for DRAC's default*");
    }
}
