using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// miltertest (OpenDKIM's MTA simulator, Debian package <c>miltertest</c>) runs the Lua scripts of
/// tests/interop/lua against our reference filter. Every script also passes against the libmilter twin
/// (refmilter.c); it prints "NAME: PASS" last and "FAIL: reason" when a check fails.
/// </summary>
[TestFixture]
[Category("Interop")]
public sealed class MiltertestTests : OwningFixture
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);

    private static readonly string[] Scripts =
    [
        "mt_basic", "mt_reject", "mt_negotiate", "mt_negotiate_v2", "mt_ipv6", "mt_unknown", "mt_abort",
        "mt_macros", "mt_body_max", "mt_body_oversize",
    ];

    private MilterProcess? _filter;
    private MilterProcess? _libmilter;
    private string _miltertest = string.Empty;

    [OneTimeSetUp]
    public async Task StartMilters()
    {
        _miltertest = Tools.Require("miltertest", "miltertest");
        Task<MilterProcess> libmilter = MilterProcess.StartRefMilterAsync();
        try
        {
            _filter = Owned.Add(await MilterProcess.StartReferenceFilterAsync());
        }
        finally
        {
            _libmilter = Owned.Add(await libmilter);
        }
    }

    [TestCaseSource(nameof(Scripts))]
    public async Task Script_AgainstReferenceFilter_Passes(string script) => await RunAndAssertPassAsync(script, _filter!);

    /// <summary>The scripts' expectations are libmilter's behaviour: they pass against refmilter.c too.</summary>
    [TestCaseSource(nameof(Scripts))]
    public async Task Script_AgainstLibmilter_Passes(string script) => await RunAndAssertPassAsync(script, _libmilter!);

    [Test]
    public void LuaDirectory_EveryScript_HasATestCase() =>
        Directory.GetFiles(RepoLayout.LuaDirectory, "*.lua").Select(Path.GetFileNameWithoutExtension)
            .Should().BeEquivalentTo(Scripts, "each script in tests/interop/lua runs as its own test case");

    private async Task RunAndAssertPassAsync(string script, MilterProcess milter)
    {
        string path = Path.Combine(RepoLayout.LuaDirectory, script + ".lua");
        Tools.RequireFile(path, "Lua script");

        ProcessResult run = await ProcessRunner.RunAsync(_miltertest, ["-D", $"port={milter.Port}", "-D", "lib=" + Path.Combine(RepoLayout.LuaDirectory, "lib"), "-s", path], ScriptTimeout);

        run.ExitCode.Should().Be(0, "miltertest must succeed against {0}; its output:\n{1}\n{2}", milter.Name, milter.Output, run);
        run.StdOut.Should().NotContain("FAIL:", "{0}", run);
        run.StdOut.TrimEnd().Split('\n').Last().Should().Be($"{script}: PASS", "{0}", run);
        milter.HasExited.Should().BeFalse("{0} must survive every script", milter.Name);
    }
}
