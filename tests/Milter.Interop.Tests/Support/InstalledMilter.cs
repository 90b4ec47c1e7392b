using System.Text.RegularExpressions;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// The installed program (<c>/usr/bin/milter</c>) started the way the installed unit
/// <c>/lib/systemd/system/milter.service</c> says (its <c>ExecStart</c> as user milter, its runtime and state
/// directories, <c>Type=notify</c>), by <c>tests/e2e/unit-runner.py</c>, since no systemd runs here. Ready once the
/// milter sent READY=1.
/// </summary>
internal sealed partial class InstalledMilter : IAsyncDisposable
{
    public const string Unit = "/lib/systemd/system/milter.service";

    /// <summary>The socket the shipped configuration listens on.</summary>
    public const string SocketPath = "/run/milter/milter.sock";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly BackgroundProcess _runner;

    private InstalledMilter(BackgroundProcess runner) => _runner = runner;

    public string Output => _runner.Output;

    public bool HasExited => _runner.HasExited;

    public int LineCount => _runner.LineCount;

    /// <param name="environment">Variables as a drop-in's <c>Environment=</c> would set them (e.g. <c>Milter__Rules__Access</c>).</param>
    public static async Task<InstalledMilter> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        Tools.Require("python3", "python3");
        var arguments = new List<string> { Path.Combine(RepoLayout.Root, "tests", "e2e", "unit-runner.py"), Unit };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            arguments.AddRange(["--env", $"{name}={value}"]);
        }

        BackgroundProcess runner = BackgroundProcess.Start("python3", arguments);
        try
        {
            await runner.WaitForLineAsync(Ready(), StartTimeout).ConfigureAwait(false);
            return new InstalledMilter(runner);
        }
        catch
        {
            await runner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, int fromLine = 0) => _runner.WaitForLineAsync(pattern, timeout, fromLine);

    /// <summary>As <c>systemctl stop milter</c>: SIGTERM, then the runner reports the exit.</summary>
    public async Task StopAsync()
    {
        await _runner.StopAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <summary>Stops it as <see cref="StopAsync"/> does (so the runner removes /run/milter), killing it if that fails.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _runner.DisposeAsync().ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"^unit-runner: READY=1 pid \d+$")]
    private static partial Regex Ready();
}
