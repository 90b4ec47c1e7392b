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
internal sealed partial class DracFeedService(DracSettings settings, ILeaseTable table, ILogger<DracFeedService> logger, TimeSpan? tableTtl = null, int? tableMaxEntries = null) : BackgroundService
{
    private readonly DracAllowFile _allow = new(settings.AllowFile, logger);
    private readonly RefusalLog _refusals = new(logger, TimeProvider.System, RefusalLog.DefaultInterval);

    /// <summary>svc_udp's buffer (UDPMSGSIZE); a longer datagram is cut there and then fails to decode.</summary>
    private const int MaxDatagram = 8800;

    private Socket? _socket;

    /// <summary>The bound endpoint (port 0 resolved), once started.</summary>
    public IPEndPoint? LocalEndpoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _allow.Load(); // a configured allow file that is missing or unreadable stops the start, named
        WarnAboutTrust();
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
        _refusals.Flush();
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

    // Unmodified dracauth() clients find the server through the portmapper, as with rpc.dracd. A mapping left by a
    // run that died without unregistering (or by a stopped rpc.dracd) would make PMAPPROC_SET fail, so each version is
    // unset first, as rpc.dracd's svc_register after pmap_unset does.
    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        bool all = true;
        foreach (uint version in DracVersions)
        {
            await Portmapper.UnsetAsync(DracProgram, version, settings.PortmapperEndpoint, cancellationToken).ConfigureAwait(false);
            all &= await Portmapper.SetAsync(DracProgram, version, LocalEndpoint!.Port, settings.PortmapperEndpoint, cancellationToken).ConfigureAwait(false);
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
        _refusals.Dispose();
        _socket?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Socket socket = _socket!;
        var handler = new DracRequestHandler(table, () => _allow.Current, settings, _refusals, logger);
        Log.DracListening(logger, LocalEndpoint!, _allow.Description, settings.TtlValue?.ToString() ?? "table default");
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

    /// <summary>Says at start what the settings trust beyond a root-run POP server on this host.</summary>
    private void WarnAboutTrust()
    {
        if (!settings.RequirePrivilegedPort)
        {
            Log.AnyPort(logger, DracSettings.Section);
        }

        if (!IPAddress.IsLoopback(settings.Endpoint.Address))
        {
            Log.OffLoopback(logger, settings.Endpoint);
        }

        if (tableTtl is not { } defaultTtl || tableMaxEntries is not { } maxEntries)
        {
            return;
        }

        // One caller's new leases within one lease lifetime: the bucket (a minute's worth) plus the refill.
        double ttl = (settings.TtlValue ?? defaultTtl).TotalMinutes;
        double reach = settings.NewLeasesPerMinute * (ttl + 1);
        if (settings.NewLeasesPerMinute == 0 || reach >= maxEntries / 2.0)
        {
            Log.CanFillTable(logger, settings.NewLeasesPerMinute == 0 ? "no limit" : $"{settings.NewLeasesPerMinute} a minute", maxEntries, DracSettings.Section);
        }
    }
}
