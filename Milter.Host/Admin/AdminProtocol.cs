using System.Globalization;
using System.Net;
using Milter.Host.Leases;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Host.Admin;

/// <summary>
/// The admin socket's line protocol (docs/leases.md): one command per line, answered by zero or more
/// <c>LEASE address expires source user</c> lines and then <c>OK</c> or <c>ERR reason</c>.
/// <code>
/// ADD address [ttl-seconds|-] [user]   → LEASE … / OK   (returns once the store acknowledged: durable for sqlite)
/// REMOVE address                        → OK | ERR no lease for address
/// SHOW address                          → LEASE … / OK | ERR no lease for address
/// LIST                                  → LEASE … (soonest expiry first) / OK
/// </code>
/// </summary>
internal static class AdminProtocol
{
    public const int MaxLineLength = 1024;

    public const string Source = "admin";

    public static async Task<IReadOnlyList<string>> ExecuteAsync(string line, ILeaseTable leases, CancellationToken cancellationToken)
    {
        string[] words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return ["ERR empty command"];
        }

        try
        {
            switch (words[0].ToUpperInvariant())
            {
                case "ADD" when words.Length is >= 2 and <= 4:
                    if (!TryAddress(words[1], out IPAddress? address))
                    {
                        return [$"ERR bad address '{words[1]}'"];
                    }

                    TimeSpan? ttl = null;
                    if (words.Length >= 3 && words[2] != "-")
                    {
                        if (!LeaseDuration.TryParse(words[2], out TimeSpan value))
                        {
                            return [$"ERR bad ttl '{words[2]}'"];
                        }

                        ttl = value;
                    }

                    Lease added = await leases.AddAsync(address, Source, words.Length == 4 ? words[3] : null, ttl, cancellationToken).ConfigureAwait(false);
                    return [Format(added), "OK"];
                case "REMOVE" when words.Length == 2:
                    if (!TryAddress(words[1], out address))
                    {
                        return [$"ERR bad address '{words[1]}'"];
                    }

                    return await leases.RemoveAsync(address, cancellationToken).ConfigureAwait(false) ? ["OK"] : [$"ERR no lease for {words[1]}"];
                case "SHOW" when words.Length == 2:
                    if (!TryAddress(words[1], out address))
                    {
                        return [$"ERR bad address '{words[1]}'"];
                    }

                    return await leases.GetAsync(address, cancellationToken).ConfigureAwait(false) is { } lease ? [Format(lease), "OK"] : [$"ERR no lease for {words[1]}"];
                case "LIST" when words.Length == 1:
                    IReadOnlyList<Lease> all = await leases.ListAsync(cancellationToken).ConfigureAwait(false);
                    return [.. all.Select(Format), "OK"];
                default:
                    return ["ERR usage: ADD address [ttl|-] [user] | REMOVE address | SHOW address | LIST"];
            }
        }
        catch (LeaseStoreException ex)
        {
            return ["ERR " + ex.Message];
        }
    }

    /// <summary><c>LEASE 192.0.2.7 2026-11-29T10:15:02Z admin alice</c> (user <c>-</c> when unknown).</summary>
    public static string Format(Lease lease) => string.Create(CultureInfo.InvariantCulture,
        $"LEASE {ClientAddress.FromIPAddress(lease.Client)} {lease.Expires.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {lease.Source} {lease.User ?? "-"}");

    public static bool TryAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = LeaseAddress.TryParse(text, out ClientAddress parsed) ? parsed.ToIPAddress() : null;
        return address is not null;
    }
}
