using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Device and inode of a file: what tells a rotated log (renamed away, a new file under the old name) from the same
/// file grown. .NET does not expose them, so this calls glibc's <c>stat</c>/<c>fstat</c>; <c>st_dev</c> and
/// <c>st_ino</c> are the first two 64-bit fields of <c>struct stat</c> on x86-64 and on arm64 alike. Where the call
/// is not available (no glibc ≥ 2.33) the identity is unknown and only truncation is detected.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    private const int StatBufferSize = 256; // struct stat is 144 bytes on x86-64, 128 on arm64
    private static bool _unavailable;

    public override string ToString() => $"{Device}:{Inode}";

    public static FileIdentity? Of(string path)
    {
        if (_unavailable)
        {
            return null;
        }

        byte[] buffer = new byte[StatBufferSize];
        try
        {
            return Native.stat(path, buffer) == 0 ? Read(buffer) : null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return null;
        }
    }

    public static FileIdentity? Of(SafeFileHandle handle)
    {
        if (_unavailable)
        {
            return null;
        }

        byte[] buffer = new byte[StatBufferSize];
        try
        {
            return Native.fstat(handle, buffer) == 0 ? Read(buffer) : null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return null;
        }
    }

    private static FileIdentity Read(byte[] buffer) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(0, 8)), BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8, 8)));

    private static class Native
    {
#pragma warning disable SYSLIB1054, CA2101, CA1401, CA5392 // plain P/Invoke: no unsafe code in this project
        [DllImport("libc.so.6", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern int stat(string path, byte[] buffer);

        [DllImport("libc.so.6", SetLastError = true)]
        public static extern int fstat(SafeFileHandle fd, byte[] buffer);
#pragma warning restore SYSLIB1054, CA2101, CA1401, CA5392
    }
}
