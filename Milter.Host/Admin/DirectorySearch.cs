using System.Runtime.InteropServices;

namespace Milter.Host.Admin;

/// <summary>
/// Whether the members of a group can reach a file: every directory on the way must let them search it (the
/// other-search bit, or the group-search bit of a directory of that group). The packaged state directory is 0750
/// and belongs to the milter's own group, so an admin socket given to another group (Dovecot's) is out of its
/// members' reach until the directory lets them through.
/// </summary>
internal static partial class DirectorySearch
{
    private const uint SearchByOthers = 0x1; // S_IXOTH
    private const uint SearchByGroup = 0x8; // S_IXGRP

    /// <summary>The first directory above <paramref name="path"/> that members of <paramref name="gid"/> cannot search, with its mode and group; null when none (or when it cannot be told).</summary>
    public static (string Directory, uint Mode, uint Group)? FirstBlocked(string path, int gid)
    {
        for (DirectoryInfo? directory = new FileInfo(path).Directory; directory is not null; directory = directory.Parent)
        {
            if (!TryStat(directory.FullName, out uint mode, out uint group))
            {
                return null;
            }

            if ((mode & SearchByOthers) == 0 && ((mode & SearchByGroup) == 0 || group != (uint)gid))
            {
                return (directory.FullName, mode & 0xFFF, group);
            }
        }

        return null;
    }

    // statx has one layout on every Linux architecture: stx_gid at byte 24, stx_mode (16 bits) at byte 28.
    private static bool TryStat(string path, out uint mode, out uint group)
    {
        Span<byte> buffer = stackalloc byte[256];
        mode = group = 0;
        if (!OperatingSystem.IsLinux() || Native.statx(-100, path, 0, 0x7ff, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }

        group = BitConverter.ToUInt32(buffer[24..]);
        mode = BitConverter.ToUInt16(buffer[28..]);
        return true;
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
    }
}
