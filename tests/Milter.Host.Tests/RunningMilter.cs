using System.Diagnostics;
using System.Text;
using Milter.Protocol.Client;

namespace Milter.Host.Tests;

/// <summary>A <c>milter run</c> child process on a free port with its own state directory and config; its output is collected.</summary>
internal sealed class RunningMilter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _dir;
    private readonly bool _ownsDir = true;

    private RunningMilter(Process process, string spec, string dir, bool ownsDir = true)
    {
        _ownsDir = ownsDir;
        _process = process;
        Spec = spec;
        _dir = dir;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Spec { get; }

    /// <summary>The <c>--state-dir</c> of this milter.</summary>
    public string StateDir => _dir;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

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

        return await WaitListeningAsync(new RunningMilter(MilterProgram.Start([.. args]), args[2], dir));
    }

    /// <summary>Starts <c>milter run --state-dir <paramref name="stateDir"/></c> (kept at dispose) with <paramref name="extraArgs"/>.</summary>
    public static Task<RunningMilter> StartInAsync(string stateDir, params string[] extraArgs) => StartWithAsync(null, stateDir, extraArgs);

    /// <summary>As <see cref="StartInAsync"/>, with <paramref name="environment"/> added to the child's.</summary>
    public static async Task<RunningMilter> StartWithAsync(IReadOnlyDictionary<string, string>? environment, string stateDir, params string[] extraArgs)
    {
        string spec = $"inet:{FreePort.Next()}@127.0.0.1";
        string[] args = ["run", "--listen", spec, "--state-dir", stateDir, .. extraArgs];
        return await WaitListeningAsync(new RunningMilter(MilterProgram.StartWith(environment, args), spec, stateDir, ownsDir: false));
    }

    /// <summary>Starts <c>milter run</c> under <paramref name="wrapper"/> (e.g. <c>prlimit --nofile=N:N</c>) with <paramref name="extraArgs"/>.</summary>
    public static async Task<RunningMilter> StartUnderAsync(string[] wrapper, string stateDir, params string[] extraArgs)
    {
        string spec = $"inet:{FreePort.Next()}@127.0.0.1";
        string[] args = ["run", "--listen", spec, "--state-dir", stateDir, .. extraArgs];
        return await WaitListeningAsync(new RunningMilter(MilterProgram.StartUnder(wrapper, null, args), spec, stateDir, ownsDir: false));
    }

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
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static async Task<RunningMilter> WaitListeningAsync(RunningMilter milter)
    {
        for (int i = 0; i < 150; i++)
        {
            if (milter._process.HasExited)
            {
                break;
            }

            try
            {
                await using MilterClient probe = await MilterClient.ConnectAsync(milter.Spec, null, default);
                return milter;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        string output = milter.Output;
        await milter.DisposeAsync();
        throw new InvalidOperationException("milter run did not start listening:\n" + output);
    }

    /// <summary>Stops the milter as systemd does (SIGTERM) and waits for it to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_ownsDir)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
