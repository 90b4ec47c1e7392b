using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milter.Host.Files;

/// <summary>
/// Files in the state directory, opened so that nothing planted there is followed: created with
/// <c>O_CREAT|O_EXCL|O_NOFOLLOW</c> (a name that exists, a symbolic link included, fails instead of being opened),
/// read with <c>O_NOFOLLOW</c>, and replaced by writing <c>NAME.tmp</c> that way and renaming it over <c>NAME</c>
/// within the directory (readers see the old or the new file, never half of one). .NET's file API has no
/// <c>O_NOFOLLOW</c>, hence glibc's <c>open</c>.
/// </summary>
internal static partial class SafeFile
{
    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int OCloExec = 0x80000;
    private const int EEXIST = 17;
    private const int ENOENT = 2;
    private const int ELOOP = 40;

    /// <summary>The file mode for state files read by others (<c>rules.json</c>: 0644).</summary>
    public const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The file mode for private state files (0600).</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // O_NOFOLLOW is 0100000 on arm, arm64 and powerpc, 0400000 elsewhere (asm-generic).
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le ? 0x8000 : 0x20000;

    /// <summary>Writes <paramref name="content"/> to <c>PATH.tmp</c> (new, not followed, fsynced), then renames it to <paramref name="path"/>.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string temporary = path + ".tmp";
        using (FileStream stream = CreateNew(temporary, mode, replaceStale: true))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true); // rename(2): replaces a link named PATH, never writes through it
    }

    /// <summary>
    /// Creates <paramref name="path"/>, which must not exist (a symbolic link there fails too). With
    /// <paramref name="replaceStale"/> an existing file (a temporary one left by a crash) is unlinked first, once.
    /// </summary>
    public static FileStream CreateNew(string path, UnixFileMode mode, bool replaceStale = false)
    {
        int flags = OWrOnly | OCreat | OExcl | ONoFollow | OCloExec;
        int fd = Native.Open(path, flags, (uint)mode);
        if (fd < 0 && Marshal.GetLastPInvokeError() == EEXIST && replaceStale)
        {
            File.Delete(path); // unlink: removes a link itself, never its target
            fd = Native.Open(path, flags, (uint)mode);
        }

        return new FileStream(Handle(fd, path, "create"), FileAccess.Write, bufferSize: 0);
    }

    /// <summary>The content of <paramref name="path"/> up to <paramref name="maxBytes"/>; null when it does not exist; a symbolic link is an error.</summary>
    public static byte[]? ReadAllBytes(string path, int maxBytes)
    {
        int fd = Native.Open(path, ORdOnly | ONoFollow | OCloExec, 0);
        if (fd < 0 && Marshal.GetLastPInvokeError() == ENOENT)
        {
            return null;
        }

        using var stream = new FileStream(Handle(fd, path, "read"), FileAccess.Read, bufferSize: 0);
        if (stream.Length > maxBytes)
        {
            throw new IOException($"{path}: longer than {maxBytes} bytes");
        }

        byte[] content = new byte[stream.Length];
        stream.ReadExactly(content);
        return content;
    }

    private static SafeFileHandle Handle(int fd, string path, string what)
    {
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int errno = Marshal.GetLastPInvokeError();
        string reason = errno switch
        {
            ELOOP => "it is a symbolic link",
            EEXIST => "it exists already",
            _ => Marshal.GetPInvokeErrorMessage(errno),
        };
        throw new IOException($"{path}: cannot {what}: {reason}");
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags, uint mode);
    }
}
