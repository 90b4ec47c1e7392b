using FluentAssertions;
using Milter.Host.Files;
using NUnit.Framework;

namespace Milter.Host.Tests.Files;

/// <summary>
/// The state directory as OpenSSH's StrictModes would have it: <c>milter run</c>, <c>milter rules</c> and
/// <c>milter lease</c> refuse a directory, parent or entry that someone other than root or the service user owns or
/// can write, naming the path, owner and mode, and a refused start touches nothing.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Category("Integration")]
public sealed class StateDirectoryGuardTests
{
    private const UnixFileMode Open = (UnixFileMode)0b111_111_111;
    private string _dir = null!;

    [SetUp]
    public void Create()
    {
        Assume.That(OperatingSystem.IsLinux());
        _dir = Directory.CreateTempSubdirectory("state-guard").FullName;
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void WorldWritableDirectory_IsRefused_NamingPathOwnerAndMode()
    {
        string state = Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName;
        File.SetUnixFileMode(state, Open);

        StateDirectoryGuard.PrepareForService(state).Should().ContainSingle()
            .Which.Should().Match($"state directory {state}: owner * (uid *), group * (gid *), mode 0777: writable by every user");
        StateDirectoryGuard.CheckForClient(state).Should().ContainSingle().Which.Should().EndWith("mode 0777: writable by every user");
    }

    [Test]
    public void WorldWritableParentWithoutStickyBit_IsRefused_WithStickyBitAccepted()
    {
        string parent = Directory.CreateDirectory(Path.Combine(_dir, "parent")).FullName;
        string state = Path.Combine(parent, "state");
        File.SetUnixFileMode(parent, Open);

        StateDirectoryGuard.PrepareForService(state).Should().ContainSingle().Which.Should().Contain($"{parent}: owner").And.EndWith("writable by every user");
        Directory.Exists(state).Should().BeFalse("nothing is created under a parent others can rename");

        File.SetUnixFileMode(parent, Open | UnixFileMode.StickyBit); // like /tmp
        StateDirectoryGuard.PrepareForService(state).Should().BeEmpty();
        File.GetUnixFileMode(state).Should().Be((UnixFileMode)0b111_101_101, "a missing state directory is created 0755");
    }

    [Test]
    public void LinkPlantedAsAStateFile_IsRefused_AnyOtherEntryNeedsOnlyATrustedOwner()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "rules.json.tmp"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(_dir, "dracd.allow"), "/etc/dracd.allow");

        StateDirectoryGuard.PrepareForService(_dir).Should().ContainSingle()
            .Which.Should().Match($"state directory entry {_dir}/rules.json.tmp: owner * mode 0777: a symbolic link where the milter keeps a file of its own");
    }

    [Test]
    public void WorldWritableStateFile_IsRefused()
    {
        string leases = Path.Combine(_dir, "leases.db");
        File.WriteAllText(leases, string.Empty);
        File.SetUnixFileMode(leases, (UnixFileMode)0b110_110_110);

        StateDirectoryGuard.PrepareForService(_dir).Should().ContainSingle().Which.Should().Match($"state directory entry {leases}: owner *, mode 0666: writable by every user");
    }

    [Test]
    public void EntryOwnedByAnotherUser_IsRefused_GroupWithAnotherMember_Too()
    {
        Assume.That(Environment.IsPrivilegedProcess, "chown needs root");
        string planted = Path.Combine(_dir, "leases.db");
        File.WriteAllText(planted, string.Empty);
        Chown(planted, "nobody", "root");
        string shared = Path.Combine(_dir, "shared");
        File.WriteAllText(shared, string.Empty);
        Chown(shared, "root", "nogroup"); // Debian: the primary group of nobody
        File.SetUnixFileMode(shared, (UnixFileMode)0b110_110_100);

        IReadOnlyList<string> problems = StateDirectoryGuard.PrepareForService(_dir);

        problems.Should().Contain($"state directory entry {planted}: owner nobody (uid 65534), group root (gid 0), mode 0644: not owned by root");
        problems.Should().Contain(p => p.StartsWith($"state directory entry {shared}: owner root (uid 0), group nogroup", StringComparison.Ordinal) && p.Contains("mode 0664: writable by group nogroup, which has member ", StringComparison.Ordinal) && p.EndsWith(" besides root", StringComparison.Ordinal));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task MilterRun_InAPlantedDirectory_Exit1_NamesIt_AndTheLinkTargetIsUntouched(CancellationToken cancellationToken)
    {
        string victim = Path.Combine(_dir, "victim");
        await File.WriteAllTextAsync(victim, "root's file\n", cancellationToken);
        string state = Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName;
        File.SetUnixFileMode(state, Open);
        File.CreateSymbolicLink(Path.Combine(state, "rules.json.tmp"), victim);

        (int exit, _, string error) = await MilterProgram.RunAsync("run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--state-dir", state);

        exit.Should().Be(1, error);
        error.Should().Contain($"milter run: state directory {state}: owner").And.Contain("mode 0777: writable by every user");
        (await File.ReadAllTextAsync(victim, cancellationToken)).Should().Be("root's file\n");
        File.Exists(Path.Combine(state, "leases.db")).Should().BeFalse("a refused start creates nothing");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task LeaseAndRules_OnAWorldWritableDirectory_Exit1_NamingIt(CancellationToken cancellationToken)
    {
        File.SetUnixFileMode(_dir, Open);

        (int leaseExit, _, string leaseError) = await MilterProgram.RunAsync("lease", "list", "--state-dir", _dir);
        (int rulesExit, _, string rulesError) = await MilterProgram.RunAsync("rules", "--state-dir", _dir);

        leaseExit.Should().Be(1, leaseError);
        leaseError.Should().Contain($"milter lease list: state directory {_dir}: owner").And.Contain("writable by every user");
        rulesExit.Should().Be(1, rulesError);
        rulesError.Should().Contain($"milter rules: state directory {_dir}: owner").And.Contain("writable by every user");
    }

    private static void Chown(string path, string user, string group)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [$"{user}:{group}", path])!;
        chown.WaitForExit();
        chown.ExitCode.Should().Be(0);
    }
}
