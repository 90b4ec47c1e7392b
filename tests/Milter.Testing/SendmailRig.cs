using System.Globalization;

namespace Milter.Testing;

/// <summary>
/// tests/e2e/sendmail-rig.sh: a private Sendmail 8.17 on a free loopback port with one milter (<c>F=T</c>), in
/// its own mount/UTS namespace; swaks runs inside that namespace. Needs root.
/// </summary>
public sealed class SendmailRig : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private bool _running;

    private SendmailRig(string workDirectory, int port)
    {
        WorkDirectory = workDirectory;
        Port = port;
    }

    public string WorkDirectory { get; }

    public int Port { get; }

    public string QueueDirectory => Path.Combine(WorkDirectory, "mqueue");

    public static Task<SendmailRig> StartAsync(string milterSpec) => StartAsync("start", milterSpec);

    /// <summary>
    /// The rig configured from shipped files (<c>sendmail-rig.sh start-policy</c>): the <c>*.m4</c> snippets are
    /// concatenated unchanged into a minimal private base, whose tail points the snippet's milter socket at
    /// <paramref name="milterSpec"/> (in m4); other files go to the daemon's private /etc/mail. With
    /// <paramref name="saslCredentials"/> (<c>USER:PASSWORD</c>) Sendmail offers SMTP AUTH PLAIN/LOGIN for that user;
    /// with <paramref name="socketMapSpec"/> a snippet's <c>FEATURE(drac)</c> socket map asks that socket.
    /// </summary>
    public static Task<SendmailRig> StartWithSnippetsAsync(string milterSpec, IEnumerable<string> files, string? saslCredentials = null, string? socketMapSpec = null)
    {
        var options = new List<string>();
        if (saslCredentials is not null)
        {
            Tools.Require("saslpasswd2", "sasl2-bin");
            options.AddRange(["--sasl", saslCredentials]);
        }

        if (socketMapSpec is not null)
        {
            options.AddRange(["--socketmap", socketMapSpec]);
        }

        return StartAsync("start-policy", milterSpec, [.. options, .. files]);
    }

    public string BuiltMc => File.ReadAllText(Path.Combine(WorkDirectory, "sendmail.mc"));

    public string BuiltCf => File.ReadAllText(Path.Combine(WorkDirectory, "sendmail.cf"));

    /// <summary>The daemon's view of <c>/etc/mail</c> (a private directory bind-mounted there in its namespace).</summary>
    public string EtcMailDirectory => Path.Combine(WorkDirectory, "etc-mail");

    private static async Task<SendmailRig> StartAsync(string mode, string milterSpec, params string[] extra)
    {
        Tools.RequireRoot("the Sendmail rig runs in a private mount/UTS namespace");
        Prerequisite.PackageFile("/usr/sbin/sendmail-mta", "sendmail-bin");
        Prerequisite.PackageFile("/usr/share/sendmail/cf/m4/cf.m4", "sendmail-cf");
        Tools.Require("swaks", "swaks");
        Tools.Require("m4", "m4");
        Tools.Require("unshare", "util-linux");
        Tools.Require("nsenter", "util-linux");
        var rig = new SendmailRig(TempDirectories.New("sendmail-rig-"), FreePort.Next());
        ProcessResult start = await RunScriptAsync([mode, rig.WorkDirectory, rig.Port.ToString(CultureInfo.InvariantCulture), milterSpec, .. extra]).ConfigureAwait(false);
        if (start.ExitCode != 0)
        {
            // whatever was started goes (stop succeeds also when nothing runs)
            ProcessResult stop = await RunScriptAsync("stop", rig.WorkDirectory).ConfigureAwait(false);
            throw new InvalidOperationException($"sendmail-rig.sh {mode} failed:\n{start}\n{stop}");
        }

        rig._running = true;
        return rig;
    }

    /// <summary>swaks against the rig (from 127.0.0.5 unless <c>--local-interface</c> is given).</summary>
    public async Task<SwaksTranscript> SwaksAsync(params string[] arguments)
    {
        ProcessResult result = await RunScriptAsync(["swaks", WorkDirectory, "--timeout", "20", .. arguments]).ConfigureAwait(false);
        return new SwaksTranscript(result);
    }

    /// <summary>The queued control file (<c>qf</c>) and data file (<c>df</c>) of an accepted message.</summary>
    public (string Control, string Data) ReadQueued(string queueId) =>
        (File.ReadAllText(Path.Combine(QueueDirectory, "qf" + queueId), System.Text.Encoding.Latin1),
         File.ReadAllText(Path.Combine(QueueDirectory, "df" + queueId), System.Text.Encoding.Latin1));

    public IReadOnlyList<string> QueuedIds() =>
        Directory.Exists(QueueDirectory)
            ? Directory.GetFiles(QueueDirectory, "qf*").Select(f => Path.GetFileName(f)[2..]).Order(StringComparer.Ordinal).ToList()
            : [];

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            ProcessResult stop = await RunScriptAsync("stop", WorkDirectory).ConfigureAwait(false);
            if (stop.ExitCode != 0)
            {
                throw new InvalidOperationException($"sendmail-rig.sh stop failed:\n{stop}");
            }
        }
    }

    private static Task<ProcessResult> RunScriptAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("/bin/bash", [RepoLayout.SendmailRig, .. arguments], CommandTimeout);
}
