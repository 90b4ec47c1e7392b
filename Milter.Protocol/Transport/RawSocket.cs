using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// The Linux calls that let a listener accept and set up a connection on its descriptor alone, without the runtime's
/// <see cref="Socket"/> (112 bytes, and an endpoint and an address for its peer) for every connection.
/// </summary>
internal static partial class RawSocket
{
    private const int SockCloexec = 0x80000;
    private const int SolSocket = 1;
    private const int SoSndbuf = 7;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;

    /// <summary>Linux errno of "nothing there now" (no bytes to read, no room to write, no connection to accept).</summary>
    public const int EAgain = 11;

    /// <summary>Linux errno of a call interrupted by a signal: made again.</summary>
    public const int EIntr = 4;

    /// <summary>
    /// One accept4 on <paramref name="listener"/>'s descriptor: the connection (a blocking descriptor, close-on-exec),
    /// or null with <paramref name="errno"/> (<see cref="EAgain"/> when the backlog is empty).
    /// </summary>
    public static SocketDescriptor? Accept(SafeHandle listener, out int errno)
    {
        using var use = new DescriptorUse(listener);
        while (true)
        {
            int fd = Native.accept4(use.Fd, 0, 0, SockCloexec);
            if (fd >= 0)
            {
                errno = 0;
                return new SocketDescriptor(fd);
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                return null;
            }
        }
    }

    /// <summary>What an accept4 errno means, as the runtime's accept would have reported it (<see cref="Listening.AcceptErrors"/> reads it).</summary>
    public static SocketException AcceptFailed(int errno)
    {
        SocketError code = errno switch
        {
            9 or 22 => SocketError.OperationAborted, // EBADF, EINVAL: the listening socket was closed
            23 or 24 => SocketError.TooManyOpenSockets, // ENFILE, EMFILE
            12 or 105 => SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
            EIntr => SocketError.Interrupted,
            // ECONNABORTED, and the pending network errors accept(2) says to retry like EAGAIN: EPROTO, ENOPROTOOPT,
            // ENONET, EOPNOTSUPP, ENETDOWN, ENETUNREACH, EHOSTDOWN, EHOSTUNREACH, ETIMEDOUT.
            103 or 71 or 92 or 64 or 95 or 100 or 101 or 112 or 113 or 110 => SocketError.ConnectionAborted,
            _ => SocketError.SocketError,
        };
        return new SocketException((int)code, $"accept: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>SO_SNDBUF, as <see cref="Socket.SendBufferSize"/> sets it, and like it throws <see cref="SocketException"/> when refused.</summary>
    public static void SetSendBufferSize(SafeHandle socket, int bytes) => SetOption(socket, SolSocket, SoSndbuf, bytes);

    /// <summary>TCP_NODELAY, as <see cref="Socket.NoDelay"/> sets it, and like it throws <see cref="SocketException"/> when refused.</summary>
    public static void SetNoDelay(SafeHandle socket) => SetOption(socket, IpProtoTcp, TcpNoDelay, 1);

    private static void SetOption(SafeHandle socket, int level, int name, int value)
    {
        using var use = new DescriptorUse(socket);
        if (Native.setsockopt(use.Fd, level, name, ref value, sizeof(int)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SocketException((int)SocketError.SocketError, $"setsockopt: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        public static partial int accept4(int fd, nint address, nint addressLength, int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int setsockopt(int fd, int level, int name, ref int value, int length);
    }
}
