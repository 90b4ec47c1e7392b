using Microsoft.Extensions.Logging;
using Milter.Protocol.Listening;

namespace Milter.Host.Listening;

/// <summary>
/// Checks the listeners' connection caps against RLIMIT_NOFILE at start: every connection holds a file descriptor,
/// and a process out of them cannot accept, open its lease database or write its log. The soft limit is raised to the
/// hard limit when that is not enough (allowed without privilege); if the hard limit is still too low, the milter
/// listener's cap is lowered to fit and a warning names both numbers.
/// </summary>
internal static partial class DescriptorBudget
{
    /// <summary>
    /// Descriptors kept for the process beyond those open at start (the runtime holds two per loaded assembly, about
    /// 150 in all once the host runs): assemblies loaded later, log and rule files, SQLite, Redis, metrics; and the
    /// listeners' own headroom (<see cref="DescriptorHeadroom"/>).
    /// </summary>
    public const int Margin = 64 + DescriptorHeadroom.Size;

    /// <summary>The milter listener's cap to use: <paramref name="milterMax"/>, or less when the descriptors do not allow it.</summary>
    public static int Fit(int milterMax, int otherListeners, ILogger logger)
    {
        int open = OpenNow();
        int reserve = open + Margin;
        long needed = (long)milterMax + otherListeners + reserve;
        if (!FileDescriptorLimit.TryGet(out ulong soft, out ulong hard) || (ulong)needed <= soft)
        {
            return milterMax;
        }

        if (FileDescriptorLimit.TryRaiseToHardLimit(out soft, out hard) && (ulong)needed <= soft)
        {
            Log.Raised(logger, soft, needed);
            return milterMax;
        }

        int fitted = (int)Math.Clamp((long)Math.Min(soft, int.MaxValue) - otherListeners - reserve, 1, milterMax);
        Log.Clamped(logger, milterMax, otherListeners, reserve, open, needed, soft, hard, fitted);
        return fitted;
    }

    private static int OpenNow()
    {
        try
        {
            return Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return 150;
        }
    }
}
