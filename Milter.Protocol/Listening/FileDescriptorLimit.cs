using System.Runtime.InteropServices;

namespace Milter.Protocol.Listening;

/// <summary>
/// The process's <c>RLIMIT_NOFILE</c> (getrlimit/setrlimit): every accepted connection holds a file descriptor, so a
/// server's connection caps must fit under it. Linux only; elsewhere nothing is known.
/// </summary>
public static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7; // Linux

    /// <summary>The soft and hard limits; false when they cannot be read (not Linux).</summary>
    public static bool TryGet(out ulong soft, out ulong hard)
    {
        soft = hard = 0;
        if (!OperatingSystem.IsLinux() || Native.getrlimit(RlimitNofile, out RLimit limit) != 0)
        {
            return false;
        }

        soft = limit.Current;
        hard = limit.Maximum;
        return true;
    }

    /// <summary>Raises the soft limit to the hard limit (allowed without privilege); false when it could not.</summary>
    public static bool TryRaiseToHardLimit(out ulong soft, out ulong hard)
    {
        if (!TryGet(out soft, out hard))
        {
            return false;
        }

        if (soft >= hard)
        {
            return true;
        }

        var raised = new RLimit { Current = hard, Maximum = hard };
        if (Native.setrlimit(RlimitNofile, in raised) != 0)
        {
            return false;
        }

        return TryGet(out soft, out hard);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        public static partial int getrlimit(int resource, out RLimit limit);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int setrlimit(int resource, in RLimit limit);
    }
}
