using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Milter.Host.Listening;

namespace Milter.Host.Admin;

/// <summary>
/// Who is on the other end of a unix socket (Linux SO_PEERCRED) and whether they may use the admin socket: this
/// process's user, root, or a member of the configured group (primary or supplementary, from /proc/PID/status).
/// The socket file's mode already says so; this closes the window between bind and chmod.
/// </summary>
internal static partial class PeerCredentials
{
    public static bool IsAllowed(Socket socket, int? groupId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true; // other systems: the file mode alone
        }

        if (!PeerUser.TryGetUnix(socket, out int pid, out uint uid, out uint gid))
        {
            return false;
        }

        if (uid == 0 || uid == PeerUser.EffectiveUserId)
        {
            return true;
        }

        return groupId is { } g && (gid == (uint)g || SupplementaryGroups(pid).Contains((uint)g));
    }

    /// <summary>The gid of a group name from /etc/group, or null.</summary>
    public static int? GroupId(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int numeric))
        {
            return numeric;
        }

        foreach (string line in File.Exists("/etc/group") ? File.ReadLines("/etc/group") : [])
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int gid))
            {
                return gid;
            }
        }

        return null;
    }

    /// <summary>Gives <paramref name="path"/> to group <paramref name="gid"/> (owner unchanged).</summary>
    public static void ChangeGroup(string path, int gid)
    {
        if (Native.chown(path, uint.MaxValue, (uint)gid) != 0)
        {
            throw new IOException($"cannot give {path} to group {gid}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static HashSet<uint> SupplementaryGroups(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal))
                {
                    return [.. line[7..].Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries).Select(g => uint.Parse(g, CultureInfo.InvariantCulture))];
                }
            }
        }
        catch (IOException)
        {
        }

        return [];
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int chown(string path, uint owner, uint group);
    }
}
