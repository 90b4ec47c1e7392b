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
        Tools.RequireFile(Python, "python3 (Debian package 'python3')");
        string name = "milter-test-" + Guid.NewGuid().ToString("N")[..8];
        var journal = new PrivateJournal(BackgroundProcess.Start(journald, [name]), name);
        // Ready once its socket is there and journalctl finds its files (its own "Journal started" entry).
        if (!await Eventually.HoldsAsync(async () => File.Exists(journal.DevLog) && await journal.HasEntriesAsync().ConfigureAwait(false), TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"systemd-journald {name} did not start (no {journal.DevLog} or no journal files)");
        }

        return journal;
    }

    private async Task<bool> HasEntriesAsync() =>
        (await ProcessRunner.RunAsync("journalctl", ["--namespace=" + Namespace, "--output=json", "--lines=1", "--no-pager"], TimeSpan.FromSeconds(30)).ConfigureAwait(false)).StdOut.Contains("__CURSOR", StringComparison.Ordinal);

    /// <summary>
    /// A syslog line to this journal (<c>&lt;13&gt;TAG: MESSAGE</c> on its dev-log), as root or, with
    /// <paramref name="asUser"/>, as that user. The sender is a python3 that stays alive for a few seconds:
    /// journald reads <c>_COMM</c> (and <c>_SYSTEMD_UNIT</c>) from /proc after the datagram arrives, so a sender that
    /// exits at once (logger) may get none; <c>_UID</c> comes with the datagram from the kernel.
    /// </summary>
    public Task<ProcessResult> LogAsync(string tag, string message, UnprivilegedUser? asUser = null)
    {
        const string Send = "import socket, sys, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1]); time.sleep(3)";
        string[] args = ["-c", Send, DevLog, $"<13>{tag}: {message}"];
        return asUser is not null ? asUser.RunAsync(Python, args) : ProcessRunner.RunAsync(Python, args, TimeSpan.FromSeconds(30));
    }

    /// <summary>The sender's program, and so its <c>_COMM</c>.</summary>
    public const string Python = "/usr/bin/python3";

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
