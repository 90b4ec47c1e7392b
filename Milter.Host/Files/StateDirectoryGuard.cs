namespace Milter.Host.Files;

/// <summary>
/// The state directory like OpenSSH's StrictModes. <c>milter run</c> (<see cref="PrepareForService"/>) refuses a
/// state directory, a parent of it or an entry in it that is not owned by root or the service user (this process's
/// user), or that anyone else can write; it creates a missing directory with mode 0755. <c>milter rules</c> and
/// <c>milter lease</c> (<see cref="CheckForClient"/>) run as root or as a member of the admin group, so they also
/// accept the directory's own owner as the service user. Every problem names the path, owner, group and mode.
/// </summary>
internal static class StateDirectoryGuard
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>The files the milter keeps in the state directory: never a symbolic link.</summary>
    public static readonly IReadOnlySet<string> OwnFiles = new HashSet<string>(
        new[] { "rules.json", "log-follower.position", "journal.cursor", "leases.db", "leases.db-wal", "leases.db-shm", "leases.db-journal", "admin.sock" }
            .SelectMany(name => new[] { name, name + ".tmp" }),
        StringComparer.Ordinal);

    /// <summary>For <c>milter run</c>: checks <paramref name="directory"/> (creating it when missing); the problems, none when it can be trusted.</summary>
    public static IReadOnlyList<string> PrepareForService(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the state directory checks need unix file modes");
        }

        FileTrust trust = FileTrust.ServiceUser();
        try
        {
            IReadOnlyList<string> problems = Path(directory, trust);
            if (problems.Count > 0)
            {
                return problems;
            }

            if (FileStatus.Of(directory) is null)
            {
                Directory.CreateDirectory(directory, DirectoryMode);
                return Path(directory, trust);
            }

            return Entries(directory, trust);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [$"state directory {directory}: {ex.Message}"];
        }
    }

    /// <summary>For <c>milter rules</c> and <c>milter lease</c>: the problems of an existing <paramref name="directory"/> (a missing one has none here).</summary>
    public static IReadOnlyList<string> CheckForClient(string directory) =>
        Guarded(directory, () =>
        {
            FileTrust trust = FileTrust.ServiceUser();
            if (FileStatus.Of(System.IO.Path.GetFullPath(directory)) is { Kind: FileKind.Directory } own)
            {
                trust = trust.With(own.Uid);
            }

            IReadOnlyList<string> problems = Path(directory, trust);
            return problems.Count > 0 || !Directory.Exists(directory) ? problems : Entries(directory, trust);
        });

    /// <summary>The problems of a SQLite lease file outside the state directory (<c>sqlite:PATH</c>), its directory and its -wal/-shm files.</summary>
    public static IReadOnlyList<string> CheckStoreFile(string path)
    {
        FileTrust trust = FileTrust.ServiceUser();
        string full = System.IO.Path.GetFullPath(path);
        return Guarded(full, () =>
        {
            List<string> problems = [.. PathTrust.Check(System.IO.Path.GetDirectoryName(full)!, trust).Select(p => "lease store directory " + p)];
            foreach (string file in new[] { full, full + "-wal", full + "-shm", full + "-journal" })
            {
                if (FileStatus.Of(file) is { } status && Problem(file, status, trust, ownFile: true) is { } problem)
                {
                    problems.Add("lease store file " + problem);
                }
            }

            return problems;
        });
    }

    private static IReadOnlyList<string> Entries(string directory, FileTrust trust)
    {
        var problems = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (FileStatus.Of(entry) is { } status && Problem(entry, status, trust, OwnFiles.Contains(System.IO.Path.GetFileName(entry))) is { } problem)
            {
                problems.Add("state directory entry " + problem);
            }
        }

        return problems;
    }

    private static IReadOnlyList<string> Path(string directory, FileTrust trust) =>
        [.. PathTrust.Check(directory, trust).Select(p => "state directory " + p)];

    private static string? Problem(string path, FileStatus status, FileTrust trust, bool ownFile) =>
        ownFile && status.Kind == FileKind.SymbolicLink
            ? FileTrust.Describe(path, status) + ": a symbolic link where the milter keeps a file of its own"
            : trust.Problem(path, status);

    private static IReadOnlyList<string> Guarded(string directory, Func<IReadOnlyList<string>> check)
    {
        try
        {
            return check();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [$"state directory {directory}: {ex.Message}"];
        }
    }
}
