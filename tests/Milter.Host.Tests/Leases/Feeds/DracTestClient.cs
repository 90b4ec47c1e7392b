using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// A DRAC client written from drac.x and RFC 5531 by hand, byte by byte (as dracauth's rpcgen stub sends it):
/// call header, AUTH_NONE or AUTH_SYS credential, AUTH_NONE verifier, then <c>drac_add_parm</c> (v1) or
/// <c>drac_add_parm6</c> (v2: sixteen XDR ints, one per address byte).
/// </summary>
internal static class DracTestClient
{
    public const uint AddSuccess = 0;
    public const uint AddPerm = 1;

    public static byte[] Call(uint xid, uint program, uint version, uint procedure, byte[] arguments, bool authSys = false, uint rpcVersion = 2)
    {
        var words = new List<uint> { xid, 0 /* CALL */, rpcVersion, program, version, procedure };
        if (authSys)
        {
            // AUTH_SYS: stamp, machinename "pop" (3 bytes + 1 pad), uid 0, gid 0, no gids = 6 words
            words.AddRange([1, 24, 0x12345678, 3, 0x706F7000, 0, 0, 0]);
        }
        else
        {
            words.AddRange([0, 0]);
        }

        words.AddRange([0, 0]); // verifier AUTH_NONE
        byte[] header = new byte[words.Count * 4];
        for (int i = 0; i < words.Count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(i * 4), words[i]);
        }

        return [.. header, .. arguments];
    }

    /// <summary>drac_add_parm: <c>unsigned long ip_addr</c> = ntohl(inet_addr(ip)), i.e. the address bytes in order.</summary>
    public static byte[] AddV1(uint xid, string ip, bool authSys = false) =>
        Call(xid, 900101, 1, 1, IPAddress.Parse(ip).GetAddressBytes(), authSys);

    /// <summary>drac_add_parm6: <c>char ip_addr6[16]</c>, xdr_vector of xdr_char: each byte sign-extended into an int.</summary>
    public static byte[] AddV2(uint xid, string ip)
    {
        byte[] address = IPAddress.Parse(ip).GetAddressBytes();
        byte[] arguments = new byte[64];
        for (int i = 0; i < 16; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(arguments.AsSpan(i * 4), (sbyte)address[i]);
        }

        return Call(xid, 900101, 2, 1, arguments);
    }

    /// <summary>
    /// Sends from <paramref name="from"/> and waits for one reply (null: none within the timeout); with
    /// <paramref name="privileged"/> from a free port below 1024, as glibc's <c>clntudp_create</c> binds one
    /// (<c>bindresvport</c>) when the POP server runs as root (the test must run as root then).
    /// </summary>
    public static async Task<byte[]?> SendAsync(IPEndPoint server, byte[] datagram, string from = "127.0.0.1", int timeoutMilliseconds = 2000, bool privileged = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        if (privileged)
        {
            BindReservedPort(socket, IPAddress.Parse(from));
        }
        else
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }

        await socket.SendToAsync(datagram, SocketFlags.None, server);
        byte[] buffer = new byte[512];
        using var timeout = new CancellationTokenSource(timeoutMilliseconds);
        try
        {
            SocketReceiveFromResult result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            return buffer[..result.ReceivedBytes];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>bindresvport: the first free port from 1023 down (600 at the lowest, as glibc).</summary>
    public static void BindReservedPort(Socket socket, IPAddress address)
    {
        for (int port = 1023; port >= 600; port--)
        {
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // taken: the next one
            }
        }

        throw new InvalidOperationException("no free reserved port between 600 and 1023");
    }

    /// <summary>The reply as 32-bit words (xid, REPLY, reply_stat, …).</summary>
    public static uint[] Words(byte[] reply)
    {
        var words = new uint[reply.Length / 4];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(i * 4));
        }

        return words;
    }
}
