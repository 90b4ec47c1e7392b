using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// The dracd-compatible UDP listener (<c>Milter:Leases:Drac</c>): POP/IMAP servers patched for DRAC call it instead of
/// rpc.dracd. Bound at start (a taken port fails the start), datagrams are answered one at a time as rpc.dracd does.
/// </summary>
internal sealed partial class DracFeedService(DracSettings settings, ILeaseTable table, ILogger<DracFeedService> logger) : BackgroundService
{
    /// <summary>svc_udp's buffer (UDPMSGSIZE); a longer datagram is cut there and then fails to decode.</summary>
    private const int MaxDatagram = 8800;

    private Socket? _socket;

    /// <summary>The bound endpoint (port 0 resolved), once started.</summary>
    public IPEndPoint? LocalEndpoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        IPEndPoint endpoint = settings.Endpoint;
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new InvalidOperationException($"{DracSettings.Section}:Listen: cannot bind udp {endpoint}: {ex.Message}", ex);
        }

        _socket = socket;
        LocalEndpoint = (IPEndPoint)socket.LocalEndPoint!;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (settings.RegisterWithPortmapper && _registered)
        {
            foreach (uint version in DracVersions)
            {
                await Portmapper.UnsetAsync(DracProgram, version, settings.PortmapperEndpoint, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly uint[] DracVersions = [1, 2];
    private const uint DracProgram = 900101;
    private bool _registered;

    // Unmodified dracauth() clients find the server through the portmapper, as with rpc.dracd.
    private async Task RegisterAsync(CancellationToken ct)
    {
        bool all = true;
        foreach (uint version in DracVersions)
        {
            all &= await Portmapper.SetAsync(DracProgram, version, LocalEndpoint!.Port, settings.PortmapperEndpoint, ct).ConfigureAwait(false);
        }

        _registered = all;
        if (all)
        {
            Log.Registered(logger, LocalEndpoint!.Port, settings.PortmapperEndpoint);
        }
        else
        {
            Log.NotRegistered(logger, settings.PortmapperEndpoint);
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Socket socket = _socket!;
        var allow = new DracAllowFile(settings.AllowFile, logger);
        _ = allow.Current; // load (and log) the allow file at start
        var handler = new DracRequestHandler(table, () => allow.Current, settings.TtlValue, logger);
        Log.Listening(logger, LocalEndpoint!, allow.Description, settings.TtlValue?.ToString() ?? "table default");
        if (settings.RegisterWithPortmapper)
        {
            await RegisterAsync(stoppingToken).ConfigureAwait(false);
        }

        byte[] buffer = new byte[MaxDatagram];
        byte[] reply = new byte[RpcReply.MaxLength];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // e.g. ICMP port unreachable reported for an earlier reply: the socket itself is fine
                Log.ReceiveFailed(logger, ex.SocketErrorCode.ToString());
                continue;
            }

            var caller = (IPEndPoint)received.RemoteEndPoint;
            int length = await handler.HandleAsync(buffer.AsMemory(0, received.ReceivedBytes), caller, reply, stoppingToken).ConfigureAwait(false);
            if (length > 0)
            {
                try
                {
                    await socket.SendToAsync(reply.AsMemory(0, length), SocketFlags.None, caller, stoppingToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    Log.ReplyFailed(logger, caller, ex.SocketErrorCode.ToString());
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3513, LogLevel.Information, "DRAC program 900101 versions 1 and 2 registered with the portmapper at {Portmapper} on udp port {Port}")]
        public static partial void Registered(ILogger logger, int port, IPEndPoint portmapper);

        [LoggerMessage(3514, LogLevel.Warning, "DRAC not registered with the portmapper at {Portmapper} (is rpcbind running?): unmodified dracauth() clients will not find this server; clients given the port directly still work")]
        public static partial void NotRegistered(ILogger logger, IPEndPoint portmapper);

        [LoggerMessage(3510, LogLevel.Information, "drac listening udp {Endpoint} (program 900101 versions 1-2), allow file {AllowFile}, lease ttl {Ttl}")]
        public static partial void Listening(ILogger logger, IPEndPoint endpoint, string allowFile, string ttl);

        [LoggerMessage(3511, LogLevel.Warning, "drac receive failed: {Error}")]
        public static partial void ReceiveFailed(ILogger logger, string error);

        [LoggerMessage(3512, LogLevel.Warning, "drac reply to {Caller} not sent: {Error}")]
        public static partial void ReplyFailed(ILogger logger, IPEndPoint caller, string error);
    }
}
