namespace Milter.Interop.Tests.Support;

/// <summary>
/// A local user without privileges (no group but its own), the attacker of the trust tests: created for the test
/// when it does not exist (and removed again by <see cref="DisposeAsync"/> then), reused when it does. Programs run as
/// it through <c>setpriv</c>, with no supplementary groups and no capabilities.
/// </summary>
internal sealed class UnprivilegedUser : IAsyncDisposable
{
    public const string DefaultName = "milter-probe";

    /// <summary>The user the trust-boundary and journal tests act as.</summary>
    public const string AttackerName = "milter-attacker";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] SystemDirectories = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"];
    private readonly bool _created;

    private UnprivilegedUser(string name, int uid, bool created)
    {
        Name = name;
        Uid = uid;
        _created = created;
    }

    public string Name { get; }

    /// <summary>Its user id (what the kernel reports for it: <c>SO_PEERCRED</c>, the journal's <c>_UID</c>, a file's owner).</summary>
    public int Uid { get; }

    public static async Task<UnprivilegedUser> CreateAsync(string name = DefaultName)
    {
        Tools.RequireRoot("creating a test user");
        Tools.Require("setpriv", "util-linux");
        Tools.Require("useradd", "passwd");
        if (await ExistsAsync(name).ConfigureAwait(false))
        {
            return new UnprivilegedUser(name, await UidAsync(name).ConfigureAwait(false), created: false);
        }

        ProcessResult add = await ProcessRunner.RunAsync(
            Tools.Require("useradd", "passwd"), ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name], CommandTimeout).ConfigureAwait(false);
        if (add.ExitCode != 0 && !await ExistsAsync(name).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"could not create the test user {name}:\n{add}");
        }

        return new UnprivilegedUser(name, await UidAsync(name).ConfigureAwait(false), created: add.ExitCode == 0);
    }

    /// <summary>Runs <paramref name="program"/> as this user (its own uid and gid, no other group, no capabilities).</summary>
    public Task<ProcessResult> RunAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync(
            Tools.Require("setpriv", "util-linux"),
            ["--reuid", Name, "--regid", Name, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", SystemProgram(program), .. arguments],
            CommandTimeout,
            "/");

    /// <summary>
    /// <paramref name="program"/> as found in the system's directories, not through the test runner's PATH: that may
    /// lead through directories this user cannot enter (a version manager's shims under /root), and the program would
    /// then fail to start instead of showing what the user can and cannot do.
    /// </summary>
    private static string SystemProgram(string program) =>
        program.Contains('/', StringComparison.Ordinal)
            ? program
            : SystemDirectories.Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists) ?? program;

    /// <summary>
    /// Tries, as this user, to bind a unix stream socket at <paramref name="path"/> (creating its directory first when
    /// it is missing), as someone who wants to take the milter's place. Returns Python's error name, or "bound".
    /// </summary>
    public async Task<string> TryBindAsync(string path) =>
        (await RunAsync("python3", "-c", """
            import errno, os, socket, sys
            path = sys.argv[1]
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(path)
                s.listen()
                print("bound")
            except OSError as e:
                print(errno.errorcode.get(e.errno, str(e)))
            """, path).ConfigureAwait(false)).StdOut.Trim();

    /// <summary>Tries, as this user, to connect to the unix socket <paramref name="path"/> as an MTA would. Returns Python's error name, or "connected".</summary>
    public async Task<string> TryConnectAsync(string path) =>
        (await RunAsync("python3", "-c", """
            import errno, socket, sys
            try:
                socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(sys.argv[1])
                print("connected")
            except OSError as e:
                print(errno.errorcode.get(e.errno, str(e)))
            """, path).ConfigureAwait(false)).StdOut.Trim();

    public async ValueTask DisposeAsync()
    {
        if (_created)
        {
            ProcessResult remove = await ProcessRunner.RunAsync(Tools.Require("userdel", "passwd"), [Name], CommandTimeout).ConfigureAwait(false);
            if (remove.ExitCode != 0 && await ExistsAsync(Name).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"could not remove the test user {Name}:\n{remove}");
            }
        }
    }

    private static async Task<int> UidAsync(string name)
    {
        ProcessResult id = await ProcessRunner.RunAsync("id", ["-u", name], CommandTimeout).ConfigureAwait(false);
        return id.ExitCode == 0 ? int.Parse(id.StdOut.Trim(), System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no uid for {name}:\n{id}");
    }

    private static async Task<bool> ExistsAsync(string name) =>
        (await ProcessRunner.RunAsync("getent", ["passwd", name], CommandTimeout).ConfigureAwait(false)).ExitCode == 0;
}
