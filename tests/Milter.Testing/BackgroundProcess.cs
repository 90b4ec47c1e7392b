using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Milter.Testing;

/// <summary>
/// A long-running program (a milter under test) whose stdout/stderr lines are collected. Disposing kills it and
/// its children if it is still running, so a failed test never leaves a process behind.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private readonly string _command;
    private readonly string _errorMark;
    private bool _disposed;

    private BackgroundProcess(Process process, string command, string errorMark)
    {
        _process = process;
        _command = command;
        _errorMark = errorMark;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, a line each (stderr lines prefixed with the start's error mark, <c>!</c> by default).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Number of output lines so far (stdout and stderr); a start index for <see cref="WaitForLineAsync"/>.</summary>
    public int LineCount
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Starts <paramref name="program"/> with its stdin closed; <paramref name="environment"/> is added to the test's.</summary>
    public static BackgroundProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Start(info);
    }

    /// <summary>
    /// Starts the program <paramref name="info"/> describes, its output collected (stdin closed if redirected, else
    /// inherited); stderr lines get <paramref name="errorMark"/> in front (empty: stdout and stderr alike).
    /// </summary>
    public static BackgroundProcess Start(ProcessStartInfo info, string errorMark = "!")
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new BackgroundProcess(process, info.FileName + " " + string.Join(' ', info.ArgumentList), errorMark);
        process.OutputDataReceived += (_, e) => started.Add(e.Data, string.Empty);
        process.ErrorDataReceived += (_, e) => started.Add(e.Data, errorMark);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {started._command}");
        }

        if (info.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>
    /// Waits for an output line matching <paramref name="pattern"/>, looking only at lines from index
    /// <paramref name="fromLine"/> on (see <see cref="LineCount"/>); fails if the program exits first or the time runs out.
    /// </summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, int fromLine = 0)
    {
        Match? found = null;
        await Eventually.TrueAsync(
            () =>
            {
                found = FindLine(pattern, fromLine);
                if (found is null && _process.HasExited)
                {
                    _process.WaitForExit(); // drain the output events
                    found = FindLine(pattern, fromLine);
                    if (found is null)
                    {
                        throw new InvalidOperationException($"{_command} exited with {_process.ExitCode} before printing /{pattern}/:\n{Output}");
                    }
                }

                return found is not null;
            },
            timeout,
            $"{_command} prints a line matching /{pattern}/",
            () => Output).ConfigureAwait(false);
        return found!;
    }

    /// <summary>
    /// Waits until the program accepts TCP connections on 127.0.0.1:<paramref name="port"/>; throws
    /// <see cref="InvalidOperationException"/> if it exits first (a port taken meanwhile), <see cref="TimeoutException"/> when the time runs out.
    /// </summary>
    public Task WaitUntilListeningAsync(int port, TimeSpan timeout) =>
        Eventually.TrueAsync(
            async () => await Loopback.AcceptsAsync(port).ConfigureAwait(false)
                || (_process.HasExited ? throw new InvalidOperationException($"{_command} exited before listening on port {port}:\n{Output}") : false),
            timeout,
            $"{_command} listens on 127.0.0.1:{port}",
            () => Output);

    /// <summary>SIGTERM, then SIGKILL if the program is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        await ProcessRunner.RunAsync("/bin/kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL to the program and its children, no shutdown of any kind; returns once it has exited.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the program if it still runs; a second call does nothing (a fixture may own a process a test already stopped).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Reported by the test that owns it; nothing more can be done here.
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    private Match? FindLine(Regex pattern, int fromLine)
    {
        lock (_gate)
        {
            return _lines.Skip(fromLine).Select(line => pattern.Match(_errorMark.Length > 0 && line.StartsWith(_errorMark, StringComparison.Ordinal) ? line[_errorMark.Length..] : line)).FirstOrDefault(match => match.Success);
        }
    }

    private void Add(string? line, string prefix)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(prefix + line);
        }
    }
}
