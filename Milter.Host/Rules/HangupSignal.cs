using System.Runtime.InteropServices;

namespace Milter.Host.Rules;

/// <summary>
/// SIGHUP reloads the rules, also when the milter was started with SIGHUP ignored (<c>nohup</c>, a shell's
/// background job, some supervisors): the runtime keeps an inherited "ignore" and never hands the signal to its
/// registration, so <c>kill -HUP</c> would silently reload nothing.
/// </summary>
internal static partial class HangupSignal
{
    private const int Sighup = 1;
    private const nint Ignore = 1; // SIG_IGN
    private const nint Default = 0; // SIG_DFL

    /// <summary>Puts an ignored SIGHUP back to its default disposition, before the registration; true when it was ignored.</summary>
    public static bool Unignore()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // glibc's struct sigaction starts with the handler on every Linux architecture .NET runs on.
        Span<byte> current = stackalloc byte[256];
        return Native.sigaction(Sighup, 0, ref MemoryMarshal.GetReference(current)) == 0
            && MemoryMarshal.Read<nint>(current) == Ignore
            && Native.signal(Sighup, Default) == Ignore;
    }

    private static partial class Native
    {
        [LibraryImport("libc")]
        public static partial int sigaction(int signal, nint action, ref byte previous);

        [LibraryImport("libc")]
        public static partial nint signal(int signal, nint handler);
    }
}
