using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Leases;
using Milter.Host.Listening;
using Milter.Policy.Leases;
using Milter.Protocol.Transport;

namespace Milter.Host.SocketMap;

/// <summary>
/// The Sendmail socketmap server on <c>Milter:Leases:SocketMap:Listen</c>: Sendmail keeps one connection open and
/// sends netstring requests on it; each gets one netstring answer (<see cref="SocketMapResponder"/>). A malformed
/// netstring gets <c>PERM</c> and the connection is closed (the stream cannot be resynchronised).
/// </summary>
internal sealed partial class SocketMapService(ILeaseTable leases, LeaseSettings settings, ILogger<SocketMapService> logger) : BackgroundService
{
    private const int MaxConnections = 256;

    private readonly ConnectionTasks _connections = new(MaxConnections);
    private readonly SocketMapResponder _responder = new(leases, settings.SocketMap.MapName);
    private Socket? _listener;
    private MilterSocketSpec? _spec;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        string listen = settings.SocketMap.Listen!;
        try
        {
            _spec = MilterSocketSpec.Parse(listen);
            System.Net.EndPoint endPoint = await _spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
            if (_spec.IsUnix && File.Exists(_spec.Path))
            {
                File.Delete(_spec.Path!);
            }

            _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, _spec.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
            if (!_spec.IsUnix)
            {
                _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            _listener.Bind(endPoint);
            if (_spec.IsUnix && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_spec.Path!, (UnixFileMode)Convert.ToInt32(settings.SocketMap.SocketMode, 8));
            }

            _listener.Listen(64);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            _listener?.Dispose();
            throw new IOException($"{LeaseSettings.Section}:SocketMap:Listen {listen}: {ex.Message}", ex);
        }

        Log.Listening(logger, listen, settings.SocketMap.MapName);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _connections.DrainAsync().ConfigureAwait(false);
        if (_spec is { IsUnix: true, Path: { } path })
        {
            File.Delete(path);
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

            if (!_connections.TryStart(() => ServeAsync(client, stoppingToken)))
            {
                client.Dispose(); // over MaxConnections
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        await Task.Yield();
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            PipeReader reader = PipeReader.Create(stream);
            try
            {
                while (true)
                {
                    ReadResult read = await reader.ReadAsync(stoppingToken).ConfigureAwait(false);
                    ReadOnlySequence<byte> buffer = read.Buffer;
                    var answers = new List<string>();
                    bool malformed = false;
                    try
                    {
                        while (true)
                        {
                            OperationStatus status = Netstring.TryRead(ref buffer, out string? request);
                            if (status == OperationStatus.NeedMoreData)
                            {
                                break;
                            }

                            if (status == OperationStatus.InvalidData)
                            {
                                malformed = true;
                                break;
                            }

                            answers.Add(await _responder.AnswerAsync(request!, stoppingToken).ConfigureAwait(false));
                        }
                    }
                    finally
                    {
                        reader.AdvanceTo(buffer.Start, buffer.End);
                    }

                    foreach (string answer in answers)
                    {
                        await stream.WriteAsync(Netstring.Encode(answer), stoppingToken).ConfigureAwait(false);
                    }

                    if (malformed)
                    {
                        Log.Malformed(logger, client.RemoteEndPoint?.ToString() ?? "unix");
                        await stream.WriteAsync(Netstring.Encode("PERM malformed netstring"), stoppingToken).ConfigureAwait(false);
                        return;
                    }

                    if (read.IsCompleted || read.IsCanceled)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // Sendmail closed the map, or shutdown
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3331, LogLevel.Information, "socketmap {Listen} map {MapName}")]
        public static partial void Listening(ILogger logger, string listen, string mapName);

        [LoggerMessage(3332, LogLevel.Warning, "socketmap client {Peer}: malformed netstring, answered PERM and closed")]
        public static partial void Malformed(ILogger logger, string peer);
    }
}
