namespace Milter.Host.Tests;

/// <summary>A <c>milter run</c> child process on a free port with its own state directory and config; its output is collected.</summary>
internal sealed class RunningMilter : IAsyncDisposable
{
    private readonly BackgroundProcess _process;
    private readonly string _dir;
    private readonly bool _ownsDir = true;

    private RunningMilter(BackgroundProcess process, string spec, string dir, bool ownsDir = true)
    {
        _ownsDir = ownsDir;
        _process = process;
        Spec = spec;
        _dir = dir;
    }

    public string Spec { get; }

    /// <summary>The <c>--state-dir</c> of this milter.</summary>
    public string StateDir => _dir;

    /// <summary>What it printed so far, stdout and stderr alike, a line each.</summary>
    public string Output => _process.Output;

    /// <summary>
    /// The output once it contains <paramref name="text"/>, or as it is after <paramref name="timeout"/> (the log is
    /// written by its own thread, so a line may follow the reply that caused it).
    /// </summary>
    public async Task<string> OutputOnceItContainsAsync(string text, TimeSpan timeout)
    {
        await Eventually.HoldsAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout);
        return Output;
    }

    /// <summary>Starts <c>milter run</c> with <paramref name="configJson"/> (the <c>Milter</c> section's content) and waits until it listens.</summary>
    public static async Task<RunningMilter> StartAsync(string configJson, string? access = null)
    {
        string dir = Directory.CreateTempSubdirectory("milter-limits-test").FullName;
        string config = Path.Combine(dir, "milter.json");
        await File.WriteAllTextAsync(config, "{ \"Milter\": " + configJson + " }");
        var args = new List<string> { "run", "--listen", $"inet:{FreePort.Next()}@127.0.0.1", "--config", config, "--state-dir", dir };
        if (access is not null)
        {
            string file = Path.Combine(dir, "access");
            await File.WriteAllTextAsync(file, access);
            args.AddRange(["--access", file]);
        }

        return await WaitListeningAsync(Start([], null, [.. args]), args[2], dir, ownsDir: true);
    }

    /// <summary>Starts <c>milter run --state-dir <paramref name="stateDir"/></c> (kept at dispose) with <paramref name="extraArgs"/>.</summary>
    public static Task<RunningMilter> StartInAsync(string stateDir, params string[] extraArgs) => StartWithAsync(null, stateDir, extraArgs);

    /// <summary>As <see cref="StartInAsync"/>, with <paramref name="environment"/> added to the child's.</summary>
    public static Task<RunningMilter> StartWithAsync(IReadOnlyDictionary<string, string>? environment, string stateDir, params string[] extraArgs) =>
        StartUnderAsync([], environment, stateDir, extraArgs);

    /// <summary>Starts <c>milter run</c> under <paramref name="wrapper"/> (e.g. <c>prlimit --nofile=N:N</c>) with <paramref name="extraArgs"/>.</summary>
    public static Task<RunningMilter> StartUnderAsync(string[] wrapper, string stateDir, params string[] extraArgs) =>
        StartUnderAsync(wrapper, null, stateDir, extraArgs);

    public int ProcessId => _process.Id;

    /// <summary>CPU time the process has used so far (user and system, from /proc).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
        }
    }

    /// <summary>kill -9, no shutdown of any kind.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Stops the milter as systemd does (SIGTERM) and waits (up to 30 s, then SIGKILL) for it to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        if (_ownsDir)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<RunningMilter> StartUnderAsync(string[] wrapper, IReadOnlyDictionary<string, string>? environment, string stateDir, string[] extraArgs)
    {
        string spec = $"inet:{FreePort.Next()}@127.0.0.1";
        string[] args = ["run", "--listen", spec, "--state-dir", stateDir, .. extraArgs];
        return await WaitListeningAsync(Start(wrapper, environment, args), spec, stateDir, ownsDir: false);
    }

    // stdout and stderr alike in Output: tests read log lines from both
    private static BackgroundProcess Start(string[] wrapper, IReadOnlyDictionary<string, string>? environment, string[] args) =>
        BackgroundProcess.Start(MilterProgram.StartInfo(wrapper, environment, args), errorMark: string.Empty);

    private static async Task<RunningMilter> WaitListeningAsync(BackgroundProcess process, string spec, string dir, bool ownsDir)
    {
        var milter = new RunningMilter(process, spec, dir, ownsDir);
        if (await Eventually.HoldsAsync(async () => process.HasExited || await MilterProgram.AcceptsAsync(spec), TimeSpan.FromSeconds(15)) && !process.HasExited)
        {
            return milter;
        }

        string output = milter.Output;
        await milter.DisposeAsync();
        throw new InvalidOperationException("milter run did not start listening:\n" + output);
    }
}
