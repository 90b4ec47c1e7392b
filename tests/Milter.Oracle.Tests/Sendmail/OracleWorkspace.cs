namespace Milter.Oracle.Tests.Sendmail;

/// <summary>
/// The private directory of one oracle run: the .cf files, the rule files, the -bt jobs, a queue, and the files the
/// namespace mounts over /etc (hosts, resolv.conf, nsswitch.conf). Sendmail ignores class and map files under a
/// group- or world-writable directory (such as /tmp), so it is made under the test's output directory when every
/// directory above that is safe, else under /var/cache. Deleted on dispose.
/// </summary>
public sealed class OracleWorkspace : IDisposable
{
    /// <summary>
    /// The private /etc/hosts: the MTA's own name first, and the clients the SMTP sessions connect from. Sendmail makes
    /// domains canonical through it (<c>$[ $]</c>, DNS's part, not the milter's): so it names nothing the generator
    /// writes as a domain besides localhost and <c>$j</c>, not even the short name <c>mta</c>.
    /// </summary>
    public static readonly string[] Hosts =
    [
        "127.0.0.1\tmta.test.example localhost",
        "127.0.0.5\tmail.partner.test",
        "127.0.0.6\tmx.spam.example",
        "::1\tlocalhost ip6-localhost ip6-loopback",
    ];

    private const string FallbackRoot = "/var/cache/milter-oracle";

    private OracleWorkspace(string directory) => Directory = directory;

    public string Directory { get; }

    public string QueueDirectory => Path.Combine(Directory, "mqueue");

    public static OracleWorkspace Create(string prefix)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "oracle-work");
        if (!IsSafe(AppContext.BaseDirectory))
        {
            root = FallbackRoot;
        }

        System.IO.Directory.CreateDirectory(root);
        var directory = Path.Combine(root, prefix + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        if (!IsSafe(directory))
        {
            throw new InvalidOperationException($"{directory} has a group- or world-writable directory above it: Sendmail would ignore the rule files there");
        }

        var workspace = new OracleWorkspace(directory);
        workspace.Populate();
        return workspace;
    }

    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        // The fallback root outside the build output goes too once the last run has left it (the machine as it was).
        var root = Path.GetDirectoryName(Directory);
        if (root == FallbackRoot && System.IO.Directory.Exists(root) && !System.IO.Directory.EnumerateFileSystemEntries(root).Any())
        {
            try
            {
                System.IO.Directory.Delete(root);
            }
            catch (IOException)
            {
                // another run has just made its workspace there: it deletes the root when it ends
            }
        }
    }

    private void Populate()
    {
        var etc = System.IO.Directory.CreateDirectory(PathOf("etc")).FullName;
        File.WriteAllText(Path.Combine(etc, "hosts"), string.Concat(Hosts.Select(h => h + "\n")));
        File.WriteAllText(Path.Combine(etc, "resolv.conf"), "nameserver 127.0.0.1\n");
        File.WriteAllText(Path.Combine(etc, "nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\nhosts: files\nservices: files\n");
        File.WriteAllText(PathOf("service.switch"), "hosts\tfiles\naliases\tfiles\npasswd\tfiles\n");
        File.WriteAllText(PathOf("aliases"), "postmaster: root\nMAILER-DAEMON: postmaster\n");
        System.IO.Directory.CreateDirectory(QueueDirectory);
        File.SetUnixFileMode(QueueDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>No directory from <paramref name="path"/> up to / is writable by group or others (Sendmail's safefile rule).</summary>
    private static bool IsSafe(string path)
    {
        for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && (dir.UnixFileMode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
