using System.Diagnostics;
using System.Net.Sockets;

namespace Milter.Host.Tests;

/// <summary>Runs the built <c>milter</c> program as a child process.</summary>
internal static class MilterProgram
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "milter.dll");

    /// <summary>
    /// Every child gets <c>MILTER_CONFIG</c> pointed at a file that does not exist, so that no test reads this
    /// machine's /etc/milter/milter.json; <paramref name="environment"/> may set it (or anything else) otherwise.
    /// </summary>
    public static string NoConfigFile => Path.Combine(AppContext.BaseDirectory, "no-such-directory", "milter.json");

    /// <summary>The state directory of a child that configures none (<c>$STATE_DIRECTORY</c>, as systemd would set it).</summary>
    public static string DefaultStateDirectory => Path.Combine(AppContext.BaseDirectory, "default-state");

    public static Process Start(params string[] args) => StartWith(null, args);

    public static Process StartWith(IReadOnlyDictionary<string, string>? environment, params string[] args) => StartUnder([], environment, args);

    /// <summary>Runs the milter under <paramref name="wrapper"/> (e.g. <c>prlimit --nofile=400:400</c>, which execs it: same pid).</summary>
    public static Process StartUnder(string[] wrapper, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Process.Start(StartInfo(wrapper, environment, args))!;

    /// <summary>How a child milter is started: <c>dotnet milter.dll ARGS</c> (under <paramref name="wrapper"/>), output redirected, this run's defaults in its environment.</summary>
    public static ProcessStartInfo StartInfo(string[] wrapper, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in wrapper.Skip(1).Concat(wrapper.Length > 0 ? ["dotnet"] : []))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["MILTER_CONFIG"] = NoConfigFile;
        // Without a configured state directory a root milter would use the machine's /var/lib/milter (the Debian
        // package's, which PackageTests installs and purges): the default here is under this build's output.
        info.Environment["STATE_DIRECTORY"] = DefaultStateDirectory;
        info.Environment.Remove("NOTIFY_SOCKET"); // a test runner under systemd must not make the child notify systemd
        // The sender domain check asks DNS (/etc/resolv.conf by default): tests do not depend on this machine's DNS.
        // The DNS tests (Dns/) set it back to false and point Milter:Dns:Servers at their own NSD.
        info.Environment[MilterEnvironment.NoDnsCheck] = "true";
        info.Environment["Milter__Logging__BatchMilliseconds"] = "0"; // tests read a log line right after the session that logged it
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    public static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunWithAsync(null, args);

    /// <summary>One command to its end; one that should have ended (e.g. a refused start) is killed after 60 s and fails the test.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        ProcessResult result = await ProcessRunner.RunAsync(StartInfo([], environment, args), TimeSpan.FromSeconds(60));
        return (result.ExitCode, result.StdOut, result.StdErr);
    }

    /// <summary>True once <paramref name="spec"/> accepts a milter connection (within 10 s).</summary>
    public static Task<bool> ListensAsync(string spec) => Eventually.HoldsAsync(() => AcceptsAsync(spec), TimeSpan.FromSeconds(10));

    /// <summary>True when <paramref name="spec"/> accepts a milter connection now (the probe is closed at once).</summary>
    public static async Task<bool> AcceptsAsync(string spec)
    {
        try
        {
            await using Milter.Protocol.Client.MilterClient probe = await Milter.Protocol.Client.MilterClient.ConnectAsync(spec, null, default);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
