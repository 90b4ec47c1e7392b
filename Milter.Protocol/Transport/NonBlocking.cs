using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// recv and send that never wait (MSG_DONTWAIT), on Linux straight on the descriptor: the runtime's own non-blocking
/// mode would create the socket's async context (about 150 bytes for every connection) just to make a sync call not
/// wait. Elsewhere the runtime's calls, with the socket in non-blocking mode.
/// </summary>
internal static partial class NonBlocking
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;

    /// <summary>Prepares <paramref name="socket"/> for <see cref="Receive"/> and <see cref="Send"/>.</summary>
    public static void Prepare(IConnectedSocket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            socket.Socket.Blocking = false;
        }
    }

    public static int Receive(IConnectedSocket socket, Span<byte> buffer, out SocketError error) =>
        OperatingSystem.IsLinux() ? Call(socket, buffer, send: false, out error) : socket.Socket.Receive(buffer, SocketFlags.None, out error);

    public static int Send(IConnectedSocket socket, ReadOnlySpan<byte> buffer, out SocketError error) =>
        OperatingSystem.IsLinux() ? Call(socket, buffer, send: true, out error) : socket.Socket.Send(buffer, SocketFlags.None, out error);

    private static int Call(IConnectedSocket socket, ReadOnlySpan<byte> buffer, bool send, out SocketError error)
    {
        try
        {
            using var use = new DescriptorUse(socket.Handle);
            int fd = use.Fd;
            while (true)
            {
                nint count = send
                    ? Native.send(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, MsgDontWait | MsgNoSignal)
                    : Native.recv(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, MsgDontWait);
                if (count >= 0)
                {
                    error = SocketError.Success;
                    return (int)count;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != RawSocket.EIntr)
                {
                    error = ToSocketError(errno);
                    return 0;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return 0;
        }
    }

    // Linux errno values of what a connected stream socket's recv and send report.
    private static SocketError ToSocketError(int errno) => errno switch
    {
        RawSocket.EAgain => SocketError.WouldBlock,
        9 => SocketError.OperationAborted, // EBADF: closed under us
        12 or 105 => SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
        32 => SocketError.Shutdown, // EPIPE
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        107 => SocketError.NotConnected,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        public static partial nint recv(int fd, ref byte buffer, nint length, int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial nint send(int fd, ref byte buffer, nint length, int flags);
    }
}
