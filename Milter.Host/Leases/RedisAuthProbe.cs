using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Milter.Host.Leases;

/// <summary>
/// At start, whether the lease store's Redis accepts a write from a client that sends no credentials: any writer
/// of that Redis can grant relay (one <c>SET</c> of a lease key), so a Redis open to unauthenticated writes is
/// logged as a warning, once. The probe is a second connection of its own (TLS when the configuration says so,
/// never <c>AUTH</c>) that sends <c>SET {KeyPrefix}:auth-probe:{random} 1 PX 1000 NX</c>: a key under the
/// milter's prefix that Redis drops after a second. <c>+OK</c> means open; <c>-NOAUTH</c> or <c>-NOPERM</c> (an
/// ACL default user that is off, or read-only) means closed. A probe that cannot tell (unreachable, TLS refused) says
/// nothing: the store's own connection reports outages.
/// </summary>
internal sealed partial class RedisAuthProbe(string configuration, string keyPrefix, TimeSpan timeout, ILogger logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
        foreach (EndPoint endpoint in options.EndPoints)
        {
            string? reply = await ProbeAsync(endpoint, options, stoppingToken).ConfigureAwait(false);
            if (reply is null)
            {
                continue;
            }

            if (reply.StartsWith("+OK", StringComparison.Ordinal))
            {
                Log.ProbeOpen(logger, Describe(endpoint), string.IsNullOrEmpty(options.Password) ? "and the milter's own configuration has no password either" : "although the milter's configuration has one");
                return; // once
            }

            Log.ProbeClosed(logger, Describe(endpoint), reply.Length > 80 ? reply[..80] : reply);
        }
    }

    /// <summary>The first reply line to the probe's SET, or null when the endpoint could not be asked.</summary>
    public async Task<string?> ProbeAsync(EndPoint endpoint, ConfigurationOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        (string host, int port) = endpoint switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => (endpoint.ToString() ?? string.Empty, 0),
        };
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            Stream stream = client.GetStream();
            if (options.Ssl)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = options.SslHost ?? host }, deadline.Token).ConfigureAwait(false);
                stream = tls;
            }

            await using (stream.ConfigureAwait(false))
            {
                string key = $"{keyPrefix}:auth-probe:{Guid.NewGuid():N}";
                string command = $"*6\r\n$3\r\nSET\r\n${Encoding.UTF8.GetByteCount(key)}\r\n{key}\r\n$1\r\n1\r\n$2\r\nPX\r\n$4\r\n1000\r\n$2\r\nNX\r\n";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(command), deadline.Token).ConfigureAwait(false);
                byte[] buffer = new byte[256];
                int length = 0;
                while (length < buffer.Length)
                {
                    int read = await stream.ReadAsync(buffer.AsMemory(length), deadline.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
                    {
                        break;
                    }
                }

                return Encoding.UTF8.GetString(buffer, 0, length).Split('\n')[0].TrimEnd('\r');
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException && !cancellationToken.IsCancellationRequested)
        {
            Log.NotProbed(logger, Describe(endpoint), ex.Message);
            return null;
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "?";
}
