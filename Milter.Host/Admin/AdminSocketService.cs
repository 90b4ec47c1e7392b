using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Policy.Leases;
using Milter.Protocol.Listening;
using Milter.Protocol.Transport;

namespace Milter.Host.Admin;

/// <summary>
/// The admin socket STATE/admin.sock for <c>milter lease …</c>: mode 0600 (0660 and the configured group with
/// <c>Milter:Admin:Group</c>), peer credentials checked on every connection, <see cref="AdminProtocol"/> lines read
/// by the shared <see cref="RequestLoop"/> (every line in a write answered), on the shared <see cref="SocketListener"/>
/// with the caps and deadlines of <see cref="AdminSettings"/>. Bound at start: a socket that cannot be created stops
/// <c>milter run</c> with an error naming its path.
/// </summary>
internal sealed partial class AdminSocketService(ILeaseTable leases, StatePaths paths, AdminSettings settings, ILogger<AdminSocketService> logger) : IHostedService, IAsyncDisposable
{
    public const string FileName = "admin.sock";

    private readonly AdminRequests _requests = new(leases, logger);
    private SocketListener? _listener;
    private int? _groupId;

    public string SocketPath => Path.Combine(paths.Directory, FileName);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string path = SocketPath;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the admin socket needs unix file modes");
        }

        var options = new SocketListenerOptions
        {
            Name = "Admin socket",
            Listen = "unix:" + path,
            Backlog = 64,
            MaxConnections = settings.MaxConnections,
            MaxConnectionsPerPeer = settings.MaxConnectionsPerUser,
            PeerKey = PeerUser.CapKey,
        };
        try
        {
            Directory.CreateDirectory(paths.Directory);
            if (settings.Group is { Length: > 0 } group)
            {
                _groupId = PeerCredentials.GroupId(group) ?? throw new IOException($"admin socket {path}: {AdminSettings.Section}:Group: no group '{group}'");
                int gid = _groupId.Value;
                options.AfterBind = file => PeerCredentials.ChangeGroup(file, gid);
                options.SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
            }
            else
            {
                options.SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            _listener = new SocketListener(options, ServeAsync, logger);
            await _listener.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or UnauthorizedAccessException or IOException)
        {
            _listener = null;
            string reason = ex.Message.StartsWith("another process is listening", StringComparison.Ordinal) ? "another milter is running with this state directory" : ex.Message;
            throw new IOException(ex.Message.StartsWith("admin socket", StringComparison.Ordinal) ? ex.Message : $"admin socket {path}: {reason}", ex);
        }

        Log.AdminListening(logger, path, _groupId is null ? "0600" : "0660");
        if (_groupId is { } admins && DirectorySearch.FirstBlocked(path, admins) is { } blocked)
        {
            Log.AdminUnreachable(logger, path, settings.Group!, blocked.Directory, Convert.ToString(blocked.Mode, 8).PadLeft(4, '0'), blocked.Group);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => LocalListenerStop.StopAsync(_listener, cancellationToken);

    public ValueTask DisposeAsync() => LocalListenerStop.DisposeAsync(_listener);

    private async Task ServeAsync(ListenerConnection connection)
    {
        await Task.Yield(); // off the accept loop: the credential check reads /proc
        var transport = new SocketTransport(connection, new SocketTransportOptions { WriteTimeout = settings.Limits.RequestTimeout });
        if (!PeerCredentials.IsAllowed(connection.Socket, _groupId))
        {
            Log.AdminRefused(logger, SocketPath);
            try
            {
                await transport.Output.WriteAsync("ERR permission denied\n"u8.ToArray(), connection.Aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException)
            {
                // gone already
            }

            await transport.DisposeAsync().ConfigureAwait(false);
            return;
        }

        connection.OnCloseRequested(static input => ((System.IO.Pipelines.PipeReader)input!).CancelPendingRead(), transport.Input);
        string reason = await RequestLoop.RunAsync(transport, _requests, settings.Limits, connection.Aborted).ConfigureAwait(false);
        Log.AdminClosed(logger, connection.Id, reason);
    }
}
