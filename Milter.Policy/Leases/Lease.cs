using System.Net;

namespace Milter.Policy.Leases;

/// <summary>A lease: client address, expiry, who created it and (if known) for which user.</summary>
public sealed record Lease(IPAddress Client, DateTimeOffset Expires, string Source, string? User);
