namespace Milter.Interop.Tests.Support;

/// <summary>
/// A private systemd-journald: journald started as a plain process with a namespace of its own
/// (<c>systemd-journald NAMESPACE</c>), so it listens on <c>/run/systemd/journal.NAMESPACE/</c> and writes
/// <c>/var/log/journal/MACHINE-ID.NAMESPACE</c> without touching the system journal; <c>journalctl --namespace</c>
/// reads it. journald records each sender's uid, pid and comm from the kernel (SCM_CREDENTIALS), as the real one does.
/// Disposing stops it and removes its runtime and journal directories.
/// </summary>
internal sealed class PrivateJournal : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private PrivateJournal(BackgroundProcess process, string name)
    {
        _process = process;
        Namespace = name;
    }

    public string Namespace { get; }

    /// <summary>Its syslog socket (what /dev/log is to the system journal).</summary>
    public string DevLog => Path.Combine(RuntimeDirectory, "dev-log");

    private string RuntimeDirectory => $"/run/systemd/journal.{Namespace}";

    public static async Task<PrivateJournal> StartAsync()
    {
        Tools.RequireRoot("journald needs root");
        string journald = File.Exists("/lib/systemd/systemd-journald") ? "/lib/systemd/systemd-journald" : "/usr/lib/systemd/systemd-journald";
        Tools.RequireFile(journald, "systemd-journald (Debian package 'systemd')");
        Tools.Require("journalctl", "systemd");
        string name = "milter-test-" + Guid.NewGuid().ToString("N")[..8];
        var journal = new PrivateJournal(BackgroundProcess.Start(journald, [name]), name);
        // Ready once its socket is there and journalctl finds its files (its own "Journal started" entry).
        for (int i = 0; i < 100 && !(File.Exists(journal.DevLog) && await journal.HasEntriesAsync().ConfigureAwait(false)); i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        if (!File.Exists(journal.DevLog) || !await journal.HasEntriesAsync().ConfigureAwait(false))
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"systemd-journald {name} did not start (no {journal.DevLog} or no journal files)");
        }

        return journal;
    }

    private async Task<bool> HasEntriesAsync() =>
        (await ProcessRunner.RunAsync("journalctl", ["--namespace=" + Namespace, "--output=json", "--lines=1", "--no-pager"], TimeSpan.FromSeconds(30)).ConfigureAwait(false)).StdOut.Contains("__CURSOR", StringComparison.Ordinal);

    /// <summary><c>logger</c> to this journal: as root, or as the attacker with <paramref name="asAttacker"/>.</summary>
    public Task<ProcessResult> LogAsync(string tag, string message, bool asAttacker = false)
    {
        string logger = Tools.Require("logger", "bsdutils");
        string[] args = ["-u", DevLog, "-t", tag, message];
        return asAttacker ? AttackerUser.RunAsync(logger, args) : ProcessRunner.RunAsync(logger, args, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        string? machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : null;
        foreach (string? dir in new[] { RuntimeDirectory, machineId is null ? null : $"/var/log/journal/{machineId}.{Namespace}", machineId is null ? null : $"/run/log/journal/{machineId}.{Namespace}" })
        {
            if (dir is not null && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
