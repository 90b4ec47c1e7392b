using System.Text;
using FluentAssertions;
using Milter.Host.Files;
using NUnit.Framework;

namespace Milter.Host.Tests.Files;

/// <summary>State files are created exclusively, never through a symbolic link, and replaced by rename.</summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SafeFileTests
{
    private string _dir = null!;
    private string _victim = null!;

    [SetUp]
    public void Create()
    {
        Assume.That(OperatingSystem.IsLinux());
        _dir = Directory.CreateTempSubdirectory("safe-file").FullName;
        _victim = Path.Combine(_dir, "victim");
        File.WriteAllText(_victim, "root's file\n");
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Replace_WithALinkPlantedAsTheTemporaryFile_NeverWritesThroughIt()
    {
        string path = Path.Combine(_dir, "rules.json");
        File.CreateSymbolicLink(path + ".tmp", _victim);

        SafeFile.Replace(path, "{}"u8, SafeFile.Readable);

        File.ReadAllText(_victim).Should().Be("root's file\n");
        File.ReadAllText(path).Should().Be("{}");
        new FileInfo(path).LinkTarget.Should().BeNull("the result is a file of its own");
        File.Exists(path + ".tmp").Should().BeFalse();
    }

    [Test]
    public void Replace_WithALinkPlantedAsTheFile_ReplacesTheLinkNotItsTarget()
    {
        string path = Path.Combine(_dir, "log-follower.position");
        File.CreateSymbolicLink(path, _victim);

        SafeFile.Replace(path, "1 0 0 0\n"u8, SafeFile.Private);

        File.ReadAllText(_victim).Should().Be("root's file\n");
        new FileInfo(path).LinkTarget.Should().BeNull();
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    public void CreateNew_OverALink_Fails_AndReadAllBytes_RefusesALink()
    {
        string path = Path.Combine(_dir, "leases.db");
        File.CreateSymbolicLink(path, _victim);

        FluentActions.Invoking(() => SafeFile.CreateNew(path, SafeFile.Private)).Should().Throw<IOException>().WithMessage("*leases.db: cannot create: it exists already");
        FluentActions.Invoking(() => SafeFile.ReadAllBytes(path, 1024)).Should().Throw<IOException>().WithMessage("*leases.db: cannot read: it is a symbolic link");
        SafeFile.ReadAllBytes(Path.Combine(_dir, "missing"), 1024).Should().BeNull();
        Encoding.UTF8.GetString(SafeFile.ReadAllBytes(_victim, 1024)!).Should().Be("root's file\n");
    }
}
