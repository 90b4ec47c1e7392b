using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Admin;

/// <summary>
/// <c>Milter:Admin:Group</c> gives the admin socket to a group, but its members reach it only through directories they
/// may search: the packaged state directory is 0750 and the milter's own group, so the milter says so at start.
/// </summary>
[Category("Sockets")]
[CancelAfter(60_000)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class AdminSocketReachTests
{
    private const string Unreachable = "admin socket";
    private static readonly Dictionary<string, string> AdminGroup = new() { ["Milter__Admin__Group"] = "nogroup" };
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("milter-admin-reach").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task AdminGroup_WithAStateDirectoryItsMembersCannotSearch_IsAWarningNamingTheDirectory()
    {
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        await using RunningMilter milter = await RunningMilter.StartWithAsync(AdminGroup, _dir);

        string output = await milter.OutputOnceItContainsAsync("cannot reach it", TimeSpan.FromSeconds(10));

        output.Should().Contain($"{Unreachable} {Path.Combine(_dir, "admin.sock")}: members of group nogroup cannot reach it: {_dir} (mode 0750, group 0)");
    }

    [Test]
    public async Task AdminGroup_WithAStateDirectoryOthersMaySearch_IsNoWarning()
    {
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        await using RunningMilter milter = await RunningMilter.StartWithAsync(AdminGroup, _dir);

        string output = await milter.OutputOnceItContainsAsync("mode 0660", TimeSpan.FromSeconds(10));

        output.Should().Contain("mode 0660").And.NotContain("cannot reach it");
    }
}
