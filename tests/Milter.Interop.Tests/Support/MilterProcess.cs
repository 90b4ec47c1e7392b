using System.Globalization;
using System.Text.RegularExpressions;

namespace Milter.Interop.Tests.Support;

/// <summary>A milter under test running as its own process on a loopback port.</summary>
public sealed partial class MilterProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly BackgroundProcess _process;

    private MilterProcess(BackgroundProcess process, string name, int port)
    {
        _process = process;
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Socket spec in Sendmail syntax, <c>inet:PORT@127.0.0.1</c>.</summary>
    public string Spec => $"inet:{Port}@127.0.0.1";

    public bool HasExited => _process.HasExited;

    public string Output => _process.Output;

    /// <summary>Process id (for signals such as SIGHUP).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Output lines so far: pass it to <see cref="WaitForLineAsync"/> to look only at what comes next.</summary>
    public int LineCount => _process.LineCount;

    /// <summary>Our program: <c>dotnet milter.dll run</c> on a free loopback port with the given rule files; ready once the port accepts connections.</summary>
    public static Task<MilterProcess> StartPolicyMilterAsync(string access, string relayDomains, string localDomains, string stateDirectory) =>
        StartPolicyMilterAsync(access, relayDomains, localDomains, stateDirectory, null, null);

    /// <summary>
    /// As above, with more settings as environment variables (<c>Milter__Leases__Ttl</c>, …) and, to restart a milter
    /// that Sendmail already points at, a fixed <paramref name="port"/> (no retry on another one).
    /// </summary>
    public static async Task<MilterProcess> StartPolicyMilterAsync(
        string access, string relayDomains, string localDomains, string stateDirectory, IReadOnlyDictionary<string, string>? settings, int? port)
    {
        string dll = await Artifacts.MilterHostDllAsync().ConfigureAwait(false);
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["Milter__StateDirectory"] = stateDirectory, // its status file stays in the test's temp dir
            // never this machine's /etc/milter/milter.json (PackageTests installs one while other fixtures run)
            ["MILTER_CONFIG"] = Path.Combine(stateDirectory, "no-such-milter.json"),
        };
        // The sender domain check asks DNS: off unless the test points the milter at its own DNS server (PolicyStack).
        environment.TryAdd(MilterEnvironment.NoDnsCheck, "true");
        for (int attempt = 1; ; attempt++)
        {
            int listen = port ?? FreePort.Next();
            BackgroundProcess process = BackgroundProcess.Start(
                Tools.DotnetHost(),
                [dll, "run", "--listen", $"inet:{listen}@127.0.0.1", "--access", access, "--relay-domains", relayDomains, "--local-domains", localDomains],
                environment);
            try
            {
                await process.WaitUntilListeningAsync(listen, StartTimeout).ConfigureAwait(false);
                return new MilterProcess(process, "milter run", listen);
            }
            catch (InvalidOperationException) when (attempt < 3 && port is null)
            {
                await process.DisposeAsync().ConfigureAwait(false); // port taken between probe and bind: try another
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>As above, with the rule files of <paramref name="rules"/>.</summary>
    public static Task<MilterProcess> StartPolicyMilterAsync(RuleFiles rules, string stateDirectory, IReadOnlyDictionary<string, string>? settings, int? port) =>
        StartPolicyMilterAsync(rules.Access, rules.RelayDomains, rules.LocalDomains, stateDirectory, settings, port);

    /// <summary>One command of our program (<c>dotnet milter.dll ARGS</c>, e.g. <c>lease add</c>) to its end.</summary>
    public static async Task<ProcessResult> RunCommandAsync(params string[] arguments)
    {
        string dll = await Artifacts.MilterHostDllAsync().ConfigureAwait(false);
        return await ProcessRunner.RunAsync(Tools.DotnetHost(), [dll, .. arguments], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    public Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, int fromLine = 0) => _process.WaitForLineAsync(pattern, timeout, fromLine);

    /// <summary>Our reference filter (Milter.Protocol); it binds port 0 and prints the port it got.</summary>
    public static async Task<MilterProcess> StartReferenceFilterAsync()
    {
        string dll = await Artifacts.ReferenceFilterDllAsync().ConfigureAwait(false);
        BackgroundProcess process = BackgroundProcess.Start(Tools.DotnetHost(), [dll, "-q", "inet:0@127.0.0.1"]);
        try
        {
            Match listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout).ConfigureAwait(false);
            return new MilterProcess(process, "reference-filter", int.Parse(listening.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The C libmilter twin; libmilter needs the port up front, so a free one is picked (retried if taken meanwhile).</summary>
    public static async Task<MilterProcess> StartRefMilterAsync()
    {
        string exe = await Artifacts.RefMilterExecutableAsync().ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Next();
            BackgroundProcess process = BackgroundProcess.Start(exe, [$"inet:{port}@127.0.0.1"]);
            try
            {
                await process.WaitForLineAsync(RefMilterListening(), StartTimeout).ConfigureAwait(false);
                return new MilterProcess(process, "refmilter (libmilter)", port);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await process.DisposeAsync().ConfigureAwait(false); // port taken between probe and bind: try another
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Graceful stop (SIGTERM), killed after 10 s.</summary>
    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"^listening inet:(\d+)@127\.0\.0\.1$")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^refmilter: listening on inet:\d+@127\.0\.0\.1$")]
    private static partial Regex RefMilterListening();
}
