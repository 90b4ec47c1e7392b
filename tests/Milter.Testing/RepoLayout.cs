using System.Reflection;

namespace Milter.Testing;

/// <summary>Where the repository's files are, found from the test assembly (never from a fixed path).</summary>
public static class RepoLayout
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The directory holding <c>Milter.sln</c>.</summary>
    public static string Root => RootDirectory.Value;

    public static string InteropDirectory => Path.Combine(Root, "tests", "interop");

    public static string LuaDirectory => Path.Combine(InteropDirectory, "lua");

    public static string SendmailRig => Path.Combine(Root, "tests", "e2e", "sendmail-rig.sh");

    /// <summary>The shipped sendmail.mc snippets and the files they name (<c>sendmail-mc-snippets/</c>).</summary>
    public static string SnippetsDirectory => Path.Combine(Root, "sendmail-mc-snippets");

    public static string PostfixRig => Path.Combine(Root, "tests", "e2e", "postfix-rig.sh");

    /// <summary>The shipped main.cf lines for milter-authoritative relay control with Postfix.</summary>
    public static string PostfixAuthoritativeRelaySnippet => Path.Combine(Root, "postfix-main-cf-snippets", "milter-authoritative-relay.cf");

    /// <summary>The shipped main.cf lines for the milter as an extra layer behind Postfix's own relay control.</summary>
    public static string PostfixExtraLayerSnippet => Path.Combine(Root, "postfix-main-cf-snippets", "milter-extra-layer.cf");

    /// <summary>The shipped sendmail.mc lines for milter-authoritative relay control.</summary>
    public static string AuthoritativeRelaySnippet => Path.Combine(SnippetsDirectory, "milter-authoritative-relay.m4");

    /// <summary>
    /// A milter-authoritative Sendmail (mode B) as the snippets' README sets it up, in its order: the relay snippet,
    /// the version hiding, the privacy flags (pasted), and the help file the version hiding names (installed in /etc/mail).
    /// </summary>
    public static IReadOnlyList<string> AuthoritativeDeployment => Deployment(AuthoritativeRelaySnippet);

    /// <summary>Mode A: Sendmail keeps relay control and reads the milter's leases through its socketmap (<c>FEATURE(drac)</c>).</summary>
    public static IReadOnlyList<string> SocketMapDeployment => Deployment(Path.Combine(SnippetsDirectory, "drac-socketmap.m4"));

    private static IReadOnlyList<string> Deployment(string modeSnippet) =>
    [
        modeSnippet,
        Path.Combine(SnippetsDirectory, "hide-version.m4"),
        Path.Combine(SnippetsDirectory, "privacy-flags.m4"),
        Path.Combine(SnippetsDirectory, "helpfile-noversion"),
    ];

    /// <summary>What libmilter did with the probes of <c>ConformanceProbe</c> (recorded by tests/interop/record-captures.sh).</summary>
    public static string ProbeCapture => Path.Combine(Root, "tests", "Milter.Interop.Tests", "Captures", "probe-libmilter.txt");

    /// <summary>The build configuration of this test assembly (Debug/Release), used to find sibling build outputs.</summary>
    public static string Configuration =>
        typeof(RepoLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Milter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} contains Milter.sln");
    }
}
