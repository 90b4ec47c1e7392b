using System.Net.Sockets;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The Debian package as an admin gets it: built once by <c>packaging/build-deb.sh</c>, checked by lintian, installed
/// on this machine with <c>dpkg -i</c>, the installed program started as its unit says (user milter, its socket in
/// /run/milter) behind a real Sendmail and Postfix, the README's Debian walkthrough run on a copy of this machine's
/// own /etc/mail, and finally <c>dpkg --purge</c>, which must leave nothing behind. A local user without privileges
/// (created here) plays the attacker of issue 11: it may neither bind the milter's socket path first nor connect to it.
/// Root only; machine-wide (dpkg, the milter user, /run/milter), so one run at a time on a machine (a lock), and never
/// on a machine where the package or a milter user already is. It runs alone in its assembly: the self-contained
/// publish would otherwise slow the other fixtures' milters past their start-up deadlines on a 2-core machine (their
/// milters read neither /etc/milter/milter.json nor /var/lib/milter, so the installed package does not disturb them).
/// </summary>
[TestFixture]
[Category("Package")]
[NonParallelizable]
public sealed partial class PackageTests
{
    private const string Version = "1.0.0-1";
    private Socket? _machineLock;
    private bool _installedHere;
    private IReadOnlyList<string> _footprintBefore = [];
    private string _deb = string.Empty;
    private UnprivilegedUser? _attacker;

    private UnprivilegedUser Attacker => _attacker!;

    [OneTimeSetUp]
    public async Task BuildAndInstallThePackage()
    {
        Tools.RequireRoot("dpkg -i, the milter system user and /run/milter");
        foreach ((string tool, string package) in new[] { ("dpkg", "dpkg"), ("lintian", "lintian"), ("python3", "python3"), ("setpriv", "util-linux"), ("adduser", "adduser") })
        {
            Tools.Require(tool, package);
        }

        _machineLock = await AcquireMachineLockAsync();
        if (await DebianPackage.StatusAsync() is string status)
        {
            Assert.Ignore($"the package {DebianPackage.Name} is already on this machine ({status}): this test would replace and purge it");
        }

        if ((await ProcessRunner.RunAsync("getent", ["passwd", DebianPackage.Name], TimeSpan.FromSeconds(30))).ExitCode == 0
            || DebianPackage.CreatedPaths.FirstOrDefault(p => Directory.Exists(p) || File.Exists(p)) is not null)
        {
            Assert.Ignore($"a milter user or one of {string.Join(", ", DebianPackage.CreatedPaths)} exists already (an installation by hand?): the package's purge would remove it");
        }

        _footprintBefore = await DebianPackage.FootprintAsync();
        _deb = await DebianPackage.BuildOnceAsync();
        ProcessResult install = await DebianPackage.DpkgAsync("-i", _deb);
        _installedHere = true;
        install.ExitCode.Should().Be(0, "{0}", install);
        _attacker = await UnprivilegedUser.CreateAsync();
    }

    [OneTimeTearDown]
    public async Task PurgeIfStillInstalled()
    {
        try
        {
            if (_installedHere && await DebianPackage.StatusAsync() is not null)
            {
                await DebianPackage.DpkgAsync("--purge", DebianPackage.Name);
            }
        }
        finally
        {
            if (_attacker is not null)
            {
                await _attacker.DisposeAsync();
            }

            _machineLock?.Dispose();
        }
    }

    [Test]
    [Order(1)]
    public async Task Package_IsLintianClean_EachTagItKeepsExplainedInItsOverrides()
    {
        Path.GetFileName(_deb).Should().Be($"milter_{Version}_amd64.deb");
        ProcessResult lintian = await ProcessRunner.RunAsync("lintian", ["--display-info", _deb], TimeSpan.FromMinutes(10));

        lintian.ExitCode.Should().Be(0, "{0}", lintian);
        lintian.StdOut.Split('\n').Where(l => l.Length > 1 && l[1] == ':' && "EWIXP".Contains(l[0], StringComparison.Ordinal))
            .Should().BeEmpty("every tag lintian reports is fixed or overridden with its reason:\n{0}", lintian);
        string[] overrides = await File.ReadAllLinesAsync(Path.Combine(RepoLayout.Root, "packaging", "debian", "lintian-overrides"));
        for (int i = 0; i < overrides.Length; i++)
        {
            if (overrides[i].StartsWith("milter:", StringComparison.Ordinal))
            {
                overrides.Take(i).Reverse().TakeWhile(l => l.Length > 0).Should().Contain(l => l.StartsWith('#'), "the override '{0}' needs its reason in a comment above it", overrides[i]);
            }
        }
    }

    [Test]
    [Order(2)]
    public async Task Package_HoldsTheProgramUnitConffileManPageCompletionAndTheSnippets()
    {
        ProcessResult contents = await ProcessRunner.RunAsync("dpkg-deb", ["--contents", _deb], TimeSpan.FromMinutes(2));
        string[] paths = [.. contents.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5][1..])];
        paths.Should().Contain(
        [
            "/usr/bin/milter", "/usr/lib/milter/milter", "/usr/lib/milter/libe_sqlite3.so", "/lib/systemd/system/milter.service",
            "/etc/milter/milter.json", "/usr/share/man/man8/milter.8.gz", "/usr/share/bash-completion/completions/milter",
            "/usr/share/doc/milter/copyright", "/usr/share/doc/milter/changelog.Debian.gz", "/usr/share/doc/milter/README.Debian.gz",
            "/usr/share/doc/milter/sendmail-mc-snippets/README.md.gz", "/usr/share/lintian/overrides/milter",
        ]);
        ProcessResult conffiles = await ProcessRunner.RunAsync("dpkg-deb", ["--info", _deb, "conffiles"], TimeSpan.FromMinutes(1));
        conffiles.StdOut.Split('\n').Should().Contain("/etc/milter/milter.json");

        // installed as shipped in the repository
        foreach ((string installed, string source) in new[]
        {
            ("/etc/milter/milter.json", "docs/milter.example.json"),
            ("/lib/systemd/system/milter.service", "contrib/systemd/milter.service"),
            ("/usr/share/bash-completion/completions/milter", "packaging/milter.bash-completion"),
        }.Concat(Directory.GetFiles(RepoLayout.SnippetsDirectory).Concat(Directory.GetFiles(Path.Combine(RepoLayout.Root, "postfix-main-cf-snippets")))
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal))
            .Select(f => ($"/usr/share/doc/milter/{Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)}", Path.GetRelativePath(RepoLayout.Root, f)))))
        {
            (await File.ReadAllTextAsync(installed)).Should().Be(await File.ReadAllTextAsync(Path.Combine(RepoLayout.Root, source)), "{0} is {1} as shipped", installed, source);
        }

        ProcessResult version = await ProcessRunner.RunAsync("/usr/bin/milter", ["version"], TimeSpan.FromMinutes(1));
        version.StdOut.Should().StartWith($"milter {Version.Split('-')[0]}", "{0}", version);
        ProcessResult man = await ProcessRunner.RunAsync("man", ["--warnings", "-l", "-Tutf8", "/usr/share/man/man8/milter.8.gz"], TimeSpan.FromMinutes(1));
        string text = System.Text.RegularExpressions.Regex.Replace(man.StdOut.Replace("\u2010", "-", StringComparison.Ordinal), ".\b", string.Empty); // overstrike, hyphens
        string.Join(' ', text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)).Should().Contain("milter - mail-policy milter for Sendmail and Postfix", "{0}", man);
        man.StdErr.Should().BeEmpty("groff reports no problem in the man page");
    }

    [Test]
    [Order(3)]
    public async Task Install_CreatesTheMilterSystemUser_AndAStateDirectoryOnlyItWrites()
    {
        string[] user = (await ProcessRunner.RunAsync("getent", ["passwd", "milter"], TimeSpan.FromSeconds(30))).StdOut.Trim().Split(':');
        user.Should().HaveCount(7);
        int.Parse(user[2], System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThan(1000, "a system account");
        user[5].Should().Be("/var/lib/milter");
        user[6].Should().Be("/usr/sbin/nologin");
        (await ProcessRunner.RunAsync("getent", ["group", "milter"], TimeSpan.FromSeconds(30))).StdOut.Trim().Should().MatchRegex("^milter:x:[0-9]+:$", "no other user is in the milter group");

        (await StatAsync("/var/lib/milter")).Should().Be("milter milter 750 directory");
        ProcessResult completion = await ProcessRunner.RunAsync("bash", ["-c", """
            . /usr/share/bash-completion/bash_completion
            . /usr/share/bash-completion/completions/milter
            COMP_WORDS=(milter lease a); COMP_CWORD=2; COMP_LINE='milter lease a'; COMP_POINT=${#COMP_LINE}
            _milter; echo "${COMPREPLY[*]}"
            COMP_WORDS=(milter run --li); COMP_CWORD=2; COMP_LINE='milter run --li'; COMP_POINT=${#COMP_LINE}
            _milter; echo "${COMPREPLY[*]}"
            """], TimeSpan.FromMinutes(1));
        completion.StdOut.Split('\n').Should().StartWith(["add", "--listen"], "{0}", completion);
    }

    [Test]
    [Order(100)]
    public async Task Purge_LeavesNothingBehind()
    {
        ProcessResult purge = await DebianPackage.DpkgAsync("--purge", DebianPackage.Name);

        purge.ExitCode.Should().Be(0, "{0}", purge);
        (await DebianPackage.StatusAsync()).Should().BeNull();
        (await DebianPackage.FootprintAsync()).Should().Equal(_footprintBefore, "after dpkg --purge nothing named milter may be left that was not there before the install");
    }

    private static async Task<string> StatAsync(string path) =>
        (await ProcessRunner.RunAsync("stat", ["-c", "%U %G %a %F", path], TimeSpan.FromSeconds(30))).StdOut.Trim();

    /// <summary>One package test per machine at a time: an abstract unix socket name (gone with the process, nothing on disk).</summary>
    private static async Task<Socket> AcquireMachineLockAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint("\0milter-package-tests"));
                return socket;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }
}
