using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// Registers the DRAC program with the local portmapper (rpcbind, program 100000 version 2 on 127.0.0.1:111), as
/// rpc.dracd's svc_register does: unmodified DRAC clients call <c>clnt_create(server, 900101, …, "udp")</c>, which
/// asks the portmapper for the port.
/// </summary>
internal static class Portmapper
{
    private const uint PortmapProgram = 100000;
    private const uint PortmapVersion = 2;
    private const uint ProcSet = 1;
    private const uint ProcUnset = 2;
    private const uint IpProtoUdp = 17;

    public static readonly IPEndPoint DefaultEndpoint = new(IPAddress.Loopback, 111);

    /// <summary>PMAPPROC_SET for (program, version, udp, port); true when the portmapper said yes.</summary>
    public static Task<bool> SetAsync(uint program, uint version, int port, IPEndPoint portmapper, CancellationToken cancellationToken) =>
        CallAsync(ProcSet, program, version, IpProtoUdp, (uint)port, portmapper, cancellationToken);

    /// <summary>PMAPPROC_UNSET for (program, version).</summary>
    public static Task<bool> UnsetAsync(uint program, uint version, IPEndPoint portmapper, CancellationToken cancellationToken) =>
        CallAsync(ProcUnset, program, version, 0, 0, portmapper, cancellationToken);

    private static async Task<bool> CallAsync(uint procedure, uint program, uint version, uint protocol, uint port, IPEndPoint portmapper, CancellationToken cancellationToken)
    {
        // RPC call (RFC 5531) with AUTH_NONE credentials and verifier, then struct mapping { prog, vers, prot, port }.
        uint xid = (uint)Random.Shared.Next();
        uint[] words = [xid, 0 /* CALL */, 2 /* RPC version */, PortmapProgram, PortmapVersion, procedure, 0, 0, 0, 0, program, version, protocol, port];
        byte[] request = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(i * 4), words[i]);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        byte[] reply = new byte[64];
        try
        {
            await socket.SendToAsync(request, SocketFlags.None, portmapper, timeout.Token).ConfigureAwait(false);
            while (true)
            {
                SocketReceiveFromResult received = await socket.ReceiveFromAsync(reply, SocketFlags.None, portmapper, timeout.Token).ConfigureAwait(false);
                // xid, REPLY(1), MSG_ACCEPTED(0), verifier flavor + length (0, 0), SUCCESS(0), bool result
                if (received.ReceivedBytes >= 28 && BinaryPrimitives.ReadUInt32BigEndian(reply) == xid)
                {
                    return BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)) == 1
                        && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(8)) == 0
                        && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(20)) == 0
                        && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(24)) == 1;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
