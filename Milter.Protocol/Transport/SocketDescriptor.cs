using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Milter.Protocol.Transport;

/// <summary>
/// An accepted connection's descriptor, closed with a plain close(2): the peer sees the end of the stream, as after
/// <see cref="System.Net.Sockets.Socket.Dispose()"/>. (A bare <see cref="System.Net.Sockets.SafeSocketHandle"/>
/// disposed on its own closes abortively, with a reset.)
/// </summary>
internal sealed partial class SocketDescriptor : SafeHandleMinusOneIsInvalid
{
    public SocketDescriptor(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    protected override bool ReleaseHandle() => Native.close((int)handle) == 0;

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        public static partial int close(int fd);
    }
}
