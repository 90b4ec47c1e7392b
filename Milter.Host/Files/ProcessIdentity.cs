using System.Runtime.InteropServices;

namespace Milter.Host.Files;

/// <summary>This process's effective user (<c>geteuid</c>).</summary>
internal static partial class ProcessIdentity
{
    public static uint EffectiveUserId => OperatingSystem.IsWindows() ? 0 : Native.geteuid();

    private static partial class Native
    {
        [LibraryImport("libc")]
        public static partial uint geteuid();
    }
}
