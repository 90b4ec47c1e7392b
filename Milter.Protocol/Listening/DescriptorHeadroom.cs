using System.Runtime.InteropServices;

namespace Milter.Protocol.Listening;

/// <summary>
/// Keeps connections from taking the process's last file descriptors. The runtime needs a few to start a thread-pool
/// thread or load an assembly, and without them it aborts ("Out of memory."), so a connection whose descriptor lies
/// within <see cref="Size"/> of RLIMIT_NOFILE is closed at once. Linux hands out the lowest free descriptor, so the
/// accepted one's number says how many are in use: the check is one getrlimit call per accept. Elsewhere than Linux
/// it admits everything.
/// </summary>
public static class DescriptorHeadroom
{
    public const int Size = 32;

    /// <summary>True when the descriptor of <paramref name="socket"/> leaves fewer than <see cref="Size"/> free under the soft limit.</summary>
    public static bool TooClose(SafeHandle socket, out long descriptor, out long limit)
    {
        descriptor = limit = -1;
        if (!OperatingSystem.IsLinux() || !FileDescriptorLimit.TryGet(out ulong soft, out _))
        {
            return false;
        }

        limit = (long)Math.Min(soft, long.MaxValue);
        descriptor = socket.DangerousGetHandle().ToInt64();
        return descriptor >= limit - Size;
    }
}
