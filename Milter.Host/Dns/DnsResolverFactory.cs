using System.Net;
using Milter.Host.Options;
using Milter.Policy.Dns;

namespace Milter.Host.Dns;

/// <summary>The resolver <c>milter run</c> gives the policy: DnsClient.NET behind the policy's TTL cache.</summary>
internal static class DnsResolverFactory
{
    /// <summary>
    /// The configured servers, else /etc/resolv.conf's. False (with the reason) when there is none: a check that needs DNS
    /// must not start without it (it would tempfail every sender).
    /// </summary>
    public static bool TryCreate(DnsSettings settings, TimeProvider time, out IDnsResolver? resolver, out string? error)
    {
        ArgumentNullException.ThrowIfNull(settings);
        resolver = null;
        IReadOnlyList<IPEndPoint> servers = settings.ServerEndPoints();
        if (servers.Count == 0)
        {
            servers = DnsClientResolver.SystemServers();
        }

        if (servers.Count == 0)
        {
            error = $"{DnsSettings.Section}:Servers: none given and /etc/resolv.conf names no nameserver (the sender domain check and the DNS lists need one)";
            return false;
        }

        var client = new DnsClientResolver(servers, TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds), settings.Retries);
        resolver = new CachingDnsResolver(client, time, settings.CacheSize, TimeSpan.FromSeconds(settings.MaxCacheTtlSeconds));
        error = null;
        return true;
    }
}
