using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Milter.Host.Files;

/// <summary>What kind of file a <see cref="FileStatus"/> describes (the <c>S_IFMT</c> bits).</summary>
internal enum FileKind
{
    Other,
    Regular,
    Directory,
    SymbolicLink,
    Socket,
}

/// <summary>
/// Owner, group, mode and kind of a file, as <c>lstat</c> reports them (a symbolic link is described, not followed).
/// .NET exposes no owner, so this calls glibc's <c>statx</c>, whose <c>struct statx</c> has one layout on every
/// architecture (unlike <c>struct stat</c>).
/// </summary>
internal readonly partial record struct FileStatus(uint Uid, uint Gid, uint Mode, FileKind Kind)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>The permission bits with setuid, setgid and sticky (<c>mode &amp; 07777</c>).</summary>
    public uint Permissions => Mode & 0xFFF;

    public bool IsSticky => (Mode & 0x200) != 0;

    public bool GroupWritable => (Mode & 0x10) != 0;

    public bool OthersWritable => (Mode & 0x2) != 0;

    /// <summary>The mode as <c>ls</c> and chmod write it, e.g. <c>0755</c>, <c>1777</c>.</summary>
    public string ModeText => Convert.ToString(Permissions, 8).PadLeft(4, '0');

    /// <summary>The status of <paramref name="path"/> itself (no link followed); null when it does not exist.</summary>
    /// <exception cref="IOException">Any other failure (permission denied on a parent, …), naming the path.</exception>
    public static FileStatus? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("file ownership checks need Linux (statx)");
        }

        byte[] buffer = new byte[StatxSize];
        if (Native.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            throw new IOException($"{path}: cannot stat: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        // struct statx: stx_uid at 20, stx_gid at 24, stx_mode (u16) at 28
        uint uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20));
        uint gid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24));
        uint mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        if (!BitConverter.IsLittleEndian)
        {
            uid = BinaryPrimitives.ReverseEndianness(uid);
            gid = BinaryPrimitives.ReverseEndianness(gid);
            mode = BinaryPrimitives.ReverseEndianness((ushort)mode);
        }

        FileKind kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new FileStatus(uid, gid, mode, kind);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind} uid {Uid} gid {Gid} mode {ModeText}");

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);
    }
}
