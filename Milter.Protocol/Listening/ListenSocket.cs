using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Listening;

/// <summary>
/// Binds a listening socket for a socket spec: inet and inet6 with SO_REUSEADDR (inet6 without dual mode, as
/// libmilter), unix with the stale-file check (a socket file nobody answers on is replaced; a live one, a regular
/// file or a directory is refused), the file mode applied before <c>listen</c>.
/// </summary>
internal static class ListenSocket
{
    public static async Task<Socket> BindAsync(MilterSocketSpec spec, SocketListenerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        EndPoint endPoint = await spec.ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (spec.IsUnix)
        {
            await RemoveStaleSocketAsync(spec.Path!, logger, cancellationToken).ConfigureAwait(false);
        }

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, spec.IsUnix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        bool bound = false;
        try
        {
            if (!spec.IsUnix)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false;
                }
            }

            socket.Bind(endPoint);
            bound = true;
            if (spec.IsUnix)
            {
                options.AfterBind?.Invoke(spec.Path!);
                if (options.SocketMode is UnixFileMode mode && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(spec.Path!, mode);
                }
            }

            socket.Listen(options.Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            if (bound && spec.IsUnix)
            {
                TryDelete(spec.Path!); // our own file, of a moment ago
            }

            throw;
        }
    }

    /// <summary>Where <paramref name="socket"/> listens, in spec syntax with the actual port.</summary>
    public static string Describe(Socket? socket, MilterSocketSpec? spec, string fallback) => socket?.LocalEndPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"inet6:{ip.Port}@{ip.Address}",
        IPEndPoint ip => $"inet:{ip.Port}@{ip.Address}",
        UnixDomainSocketEndPoint => $"unix:{spec?.Path}",
        _ => fallback,
    };

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static async Task RemoveStaleSocketAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        if (!Path.Exists(path))
        {
            return;
        }

        if (Directory.Exists(path) || IsOpenableFile(path))
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            File.Delete(path);
            Log.StaleSocketRemoved(logger, path);
            return;
        }

        throw new IOException($"another process is listening on {path}");
    }

    // A socket file cannot be opened for reading (ENXIO); a regular file can.
    private static bool IsOpenableFile(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}
