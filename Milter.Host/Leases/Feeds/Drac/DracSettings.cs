using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>Settings under <c>Milter:Leases:Drac</c>: the dracd-compatible RPC listener (off unless <see cref="Listen"/> is set).</summary>
public sealed class DracSettings
{
    public const string Section = "Milter:Leases:Drac";

    /// <summary>UDP endpoint, <c>127.0.0.1:PORT</c> or <c>[::1]:PORT</c> (port 0: any free port, logged at start).</summary>
    public string? Listen { get; set; }

    /// <summary>
    /// A <see cref="Listen"/> address off loopback must be allowed explicitly: UDP source addresses are not
    /// authenticated, so off-host callers are only as trustworthy as the network's anti-spoofing (docs/leases.md).
    /// </summary>
    public bool AllowNonLoopback { get; set; }

    /// <summary>
    /// Accept <c>DRACPROC_ADD</c> only from a privileged source port (&lt; 1024), as a root-run POP daemon sends with
    /// <c>bindresvport</c>: a local user cannot bind one. Default true; false lets any local user add leases.
    /// </summary>
    public bool RequirePrivilegedPort { get; set; } = true;

    /// <summary>New leases (addresses without one) a single caller may add per minute, in a burst of as many; 0: no limit. Refreshes are free.</summary>
    [Range(0, 1_000_000)]
    public int NewLeasesPerMinute { get; set; } = 600;

    /// <summary>rpc.dracd's allow file (<c>netmask netaddr</c> lines); none: 127.0.0.1, ::1 and this host's addresses.</summary>
    public string? AllowFile { get; set; }

    /// <summary>Lifetime of a DRAC lease (rpc.dracd's <c>-e</c>) as <see cref="LeaseDuration"/> reads it; none: the lease table's default TTL.</summary>
    public string? Ttl { get; set; }

    internal TimeSpan? TtlValue => LeaseDuration.TryParse(Ttl, out TimeSpan ttl) ? ttl : null;

    public bool Enabled => !string.IsNullOrWhiteSpace(Listen);

    /// <summary>Register program 900101 with the local portmapper (rpcbind), as rpc.dracd does. Default true.</summary>
    public bool RegisterWithPortmapper { get; set; } = true;

    /// <summary>Where the portmapper listens (default 127.0.0.1:111).</summary>
    public string? Portmapper { get; set; }

    internal IPEndPoint PortmapperEndpoint => string.IsNullOrWhiteSpace(Portmapper) ? Drac.Portmapper.DefaultEndpoint : IPEndPoint.Parse(Portmapper);

    public IPEndPoint Endpoint => IPEndPoint.Parse(Listen!);

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrWhiteSpace(Portmapper) && !IPEndPoint.TryParse(Portmapper, out _))
        {
            yield return $"{Section}:Portmapper: '{Portmapper}' is not an address:port";
        }

        IPEndPoint? endpoint = null;
        if (Enabled && !IPEndPoint.TryParse(Listen!, out endpoint))
        {
            yield return $"{Section}:Listen: '{Listen}' is not ADDRESS:PORT (e.g. 127.0.0.1:9001, [::1]:9001)";
        }
        else if (endpoint is not null && !IPAddress.IsLoopback(endpoint.Address) && !AllowNonLoopback)
        {
            yield return $"{Section}:Listen: '{Listen}' is off loopback: anyone who can send a UDP datagram with an allowed source address (spoofed ones included) could add leases; set {Section}:AllowNonLoopback to true to accept that (docs/leases.md)";
        }

        if (!string.IsNullOrWhiteSpace(Ttl) && !LeaseDuration.TryParse(Ttl, out _))
        {
            yield return $"{Section}:Ttl: {LeaseDuration.Problem(Ttl)}";
        }
    }
}
