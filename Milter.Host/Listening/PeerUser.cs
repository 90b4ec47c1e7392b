using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Host.Listening;

/// <summary>
/// Who is on the other end of an accepted socket: the peer's user from SO_PEERCRED on a unix socket, and from the
/// kernel's socket table (NETLINK_SOCK_DIAG, as <c>ss -e</c> reads it) for a TCP peer on this host. The key of the
/// per-user connection caps of the admin socket and the socketmap.
/// </summary>
internal static partial class PeerUser
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>This process's effective user.</summary>
    public static uint EffectiveUserId => OperatingSystem.IsLinux() ? Native.geteuid() : uint.MaxValue;

    /// <summary>
    /// The per-user cap key of <paramref name="socket"/>'s peer: <c>uid N</c>; null for root and this process's own
    /// user (trusted: Sendmail's children run as root) and for a peer whose user cannot be known (another host).
    /// </summary>
    public static string? CapKey(Socket socket)
    {
        uint? uid = socket.AddressFamily == AddressFamily.Unix
            ? (TryGetUnix(socket, out _, out uint unixUid, out _) ? unixUid : null)
            : TcpPeer.UserOf(socket);
        return uid is null or 0 || uid == EffectiveUserId ? null : "uid " + uid.Value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>SO_PEERCRED of a connected unix socket (Linux).</summary>
    public static bool TryGetUnix(Socket socket, out int pid, out uint uid, out uint gid)
    {
        pid = 0;
        uid = gid = uint.MaxValue;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> credentials = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        if (socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) != 12)
        {
            return false;
        }

        pid = BitConverter.ToInt32(credentials);
        uid = BitConverter.ToUInt32(credentials[4..]);
        gid = BitConverter.ToUInt32(credentials[8..]);
        return true;
    }

    private static partial class Native
    {
        [LibraryImport("libc")]
        public static partial uint geteuid();
    }

    /// <summary>The user owning the other end of a loopback TCP connection, from one NETLINK_SOCK_DIAG query.</summary>
    private static partial class TcpPeer
    {
        private const int AfNetlink = 16;
        private const int SockDgram = 2;
        private const int SockCloexec = 0x80000;
        private const int NetlinkSockDiag = 4;
        private const ushort SockDiagByFamily = 20;
        private const ushort NlmFRequest = 1;
        private const int MsgDontWait = 0x40;
        private const int RequestSize = 16 + 56; // nlmsghdr + inet_diag_req_v2
        private const int UidOffset = 16 + 4 + 48 + 12; // nlmsghdr, inet_diag_msg: family..retrans, id, expires/rqueue/wqueue

        public static uint? UserOf(Socket socket)
        {
            if (!OperatingSystem.IsLinux() || socket.RemoteEndPoint is not IPEndPoint remote || socket.LocalEndPoint is not IPEndPoint local)
            {
                return null;
            }

            // The peer's socket has the connection's tuple the other way round: its source is our remote end.
            Span<byte> request = stackalloc byte[RequestSize];
            request.Clear();
            BitConverter.TryWriteBytes(request, (uint)RequestSize);
            BitConverter.TryWriteBytes(request[4..], SockDiagByFamily);
            BitConverter.TryWriteBytes(request[6..], NlmFRequest);
            Span<byte> body = request[16..];
            body[0] = (byte)(remote.AddressFamily == AddressFamily.InterNetworkV6 ? 10 : 2); // AF_INET6 / AF_INET
            body[1] = 6; // IPPROTO_TCP
            BitConverter.TryWriteBytes(body[4..], uint.MaxValue); // every state
            Span<byte> id = body[8..];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)remote.Port);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(id[2..], (ushort)local.Port);
            remote.Address.TryWriteBytes(id[4..20], out _);
            local.Address.TryWriteBytes(id[20..36], out _);
            BitConverter.TryWriteBytes(id[40..], uint.MaxValue); // INET_DIAG_NOCOOKIE: an exact lookup
            BitConverter.TryWriteBytes(id[44..], uint.MaxValue);

            int fd = Native.socket(AfNetlink, SockDgram | SockCloexec, NetlinkSockDiag);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                Span<byte> kernel = stackalloc byte[12]; // struct sockaddr_nl { family; pad; pid = 0 (kernel); groups }
                kernel.Clear();
                BitConverter.TryWriteBytes(kernel, (ushort)AfNetlink);
                if (Native.sendto(fd, ref MemoryMarshal.GetReference(request), RequestSize, 0, ref MemoryMarshal.GetReference(kernel), kernel.Length) != RequestSize)
                {
                    return null;
                }

                // The kernel answers within sendto: the reply is queued when it returns.
                Span<byte> reply = stackalloc byte[512];
                nint received = Native.recv(fd, ref MemoryMarshal.GetReference(reply), reply.Length, MsgDontWait);
                if (received < UidOffset + 4 || BitConverter.ToUInt16(reply[4..]) != SockDiagByFamily)
                {
                    return null; // NLMSG_ERROR: no such socket here (a peer on another host), or no sock_diag
                }

                return BitConverter.ToUInt32(reply[UidOffset..]);
            }
            finally
            {
                _ = Native.close(fd);
            }
        }

        private static partial class Native
        {
            [LibraryImport("libc")]
            public static partial int socket(int domain, int type, int protocol);

            [LibraryImport("libc")]
            public static partial nint sendto(int fd, ref byte buffer, nint length, int flags, ref byte address, int addressLength);

            [LibraryImport("libc")]
            public static partial nint recv(int fd, ref byte buffer, nint length, int flags);

            [LibraryImport("libc")]
            public static partial int close(int fd);
        }
    }
}
