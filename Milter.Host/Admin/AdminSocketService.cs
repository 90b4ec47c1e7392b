using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Host.Options;
using Milter.Policy.Leases;

namespace Milter.Host.Admin;

/// <summary>
/// The admin socket STATE/admin.sock for <c>milter lease …</c>: mode 0600 (0660 and the configured group with
/// <c>Milter:Admin:Group</c>), peer credentials checked on every connection, <see cref="AdminProtocol"/> lines.
/// Bound at start: a socket that cannot be created stops <c>milter run</c> with an error naming its path.
/// </summary>
internal sealed partial class AdminSocketService(ILeaseTable leases, StatePaths paths, AdminSettings settings, ILogger<AdminSocketService> logger) : BackgroundService
{
    public const string FileName = "admin.sock";

    private readonly ConnectionTasks _connections = new();
    private Socket? _listener;
    private int? _groupId;

    public string SocketPath => Path.Combine(paths.Directory, FileName);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        string path = SocketPath;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the admin socket needs unix file modes");
        }

        try
        {
            Directory.CreateDirectory(paths.Directory);
            if (File.Exists(path))
            {
                if (await AnswersAsync(path).ConfigureAwait(false))
                {
                    throw new IOException($"admin socket {path}: another milter is running with this state directory");
                }

                File.Delete(path); // stale, from a milter that was killed
            }

            if (settings.Group is { Length: > 0 } group)
            {
                _groupId = PeerCredentials.GroupId(group) ?? throw new IOException($"admin socket {path}: {AdminSettings.Section}:Group: no group '{group}'");
            }

            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            if (_groupId is { } gid)
            {
                PeerCredentials.ChangeGroup(path, gid);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            }
            else
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            _listener.Listen(16);
        }
        catch (Exception ex) when (ex is SocketException or UnauthorizedAccessException or IOException)
        {
            _listener?.Dispose();
            throw new IOException(ex.Message.StartsWith("admin socket", StringComparison.Ordinal) ? ex.Message : $"admin socket {path}: {ex.Message}", ex);
        }

        Log.Listening(logger, path, _groupId is null ? "0600" : "0660");
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _connections.DrainAsync().ConfigureAwait(false);
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _connections.TryStart(() => ServeAsync(client, stoppingToken));
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        await Task.Yield();
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            try
            {
                if (!PeerCredentials.IsAllowed(client, _groupId))
                {
                    Log.Refused(logger, SocketPath);
                    await stream.WriteAsync("ERR permission denied\n"u8.ToArray(), stoppingToken).ConfigureAwait(false);
                    return;
                }

                PipeReader reader = PipeReader.Create(stream);
                while (true)
                {
                    ReadResult read = await reader.ReadAsync(stoppingToken).ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = read.Buffer;
                    string? line = null;
                    bool tooLong = false;
                    SequencePosition? newline = buffer.PositionOf((byte)'\n');
                    if (newline is { } end)
                    {
                        line = Encoding.UTF8.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                        buffer = buffer.Slice(buffer.GetPosition(1, end));
                        tooLong = line.Length > AdminProtocol.MaxLineLength;
                    }
                    else
                    {
                        tooLong = buffer.Length > AdminProtocol.MaxLineLength;
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (tooLong)
                    {
                        await stream.WriteAsync("ERR line too long\n"u8.ToArray(), stoppingToken).ConfigureAwait(false);
                        return;
                    }

                    if (line is not null)
                    {
                        IReadOnlyList<string> answer = await AdminProtocol.ExecuteAsync(line, leases, stoppingToken).ConfigureAwait(false);
                        Log.Command(logger, line, answer[^1]);
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', answer) + "\n"), stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // the client went away, or shutdown
            }
        }
    }

    /// <summary>Whether a running milter answers on <paramref name="path"/>.</summary>
    private static async Task<bool> AnswersAsync(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path)).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3321, LogLevel.Information, "admin socket {Path} mode {Mode}")]
        public static partial void Listening(ILogger logger, string path, string mode);

        [LoggerMessage(3322, LogLevel.Warning, "admin socket {Path}: connection from a user that is neither the owner nor in the admin group refused")]
        public static partial void Refused(ILogger logger, string path);

        [LoggerMessage(3323, LogLevel.Information, "admin {Command}: {Result}")]
        public static partial void Command(ILogger logger, string command, string result);
    }
}
