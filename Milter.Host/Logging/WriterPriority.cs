using System.Runtime.InteropServices;

namespace Milter.Host.Logging;

/// <summary>
/// The log writer's place behind the sessions: on Linux its thread's nice value is raised by <see cref="Step"/> over
/// the one it started with (the process's), so a session whose command arrives while a batch is being written takes the processor at
/// once instead of waiting for the write (on a milter with one processor: a container, a pinned benchmark). The
/// writer still gets its share when both want the processor; if it falls behind, the bounded queue drops and counts
/// lines, as it does for a slow output. Raising one's own nice value needs no privilege.
/// </summary>
internal static partial class WriterPriority
{
    /// <summary>How much nicer than the rest of the process the writer runs.</summary>
    public const int Step = 10;

    private const int PrioProcess = 0; // with a thread id: that thread alone (Linux)
    private const int MaxNice = 19;

    /// <summary>Makes the calling thread <see cref="Step"/> nicer (at most 19); false where that is not possible.</summary>
    public static bool LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            int tid = Native.gettid();
            Marshal.SetLastPInvokeError(0);
            int current = Native.getpriority(PrioProcess, tid);
            if (current == -1 && Marshal.GetLastPInvokeError() != 0)
            {
                return false;
            }

            return Native.setpriority(PrioProcess, tid, Math.Min(MaxNice, current + Step)) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a libc without gettid (before glibc 2.30)
        }
    }

    /// <summary>The calling thread's id on Linux, else 0.</summary>
    public static int CurrentThreadIdOrZero()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Native.gettid() : 0;
        }
        catch (EntryPointNotFoundException)
        {
            return 0;
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc")]
        public static partial int gettid();

        [LibraryImport("libc", SetLastError = true)]
        public static partial int setpriority(int which, int who, int prio);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int getpriority(int which, int who);
    }
}
