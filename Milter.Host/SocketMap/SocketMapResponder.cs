using System.Globalization;
using Milter.Host.Leases;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Host.SocketMap;

/// <summary>
/// Answers one socketmap request <c>MAPNAME SP KEY</c> from the lease table, the way FEATURE(drac) expects
/// (proto.m4 Relay_ok: any value = RELAY, the value itself is ignored): <c>OK expiry</c> (unix seconds, DRAC's value),
/// <c>NOTFOUND </c>, or <c>PERM reason</c> for a request we cannot take. The key is looked up in any form Sendmail
/// sends: <c>192.0.2.7</c>, <c>IPv6:2001:db8:0:0:0:0:0:1</c> (lower-cased by the map: <c>ipv6:…</c>), the compressed
/// form, or the address after <c>IPv6:</c> (Relay_ok's second lookup). A store that cannot answer is NOTFOUND (never
/// TEMP: Sendmail's drac rules take any answer but a miss as RELAY, so with <c>-T&lt;TMPF&gt;</c> a tempfail would grant
/// relay), so the client falls back to its other relay rights.
/// </summary>
internal sealed class SocketMapResponder(ILeaseTable leases, string mapName)
{
    public async ValueTask<string> AnswerAsync(string request, CancellationToken cancellationToken)
    {
        int space = request.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return "PERM malformed request (expected: map key)";
        }

        if (!request.AsSpan(0, space).Equals(mapName, StringComparison.OrdinalIgnoreCase))
        {
            return "PERM unknown map " + request[..space];
        }

        if (!LeaseAddress.TryParse(request.AsSpan(space + 1), out ClientAddress key))
        {
            return "NOTFOUND ";
        }

        try
        {
            Lease? lease = await leases.GetAsync(key.ToIPAddress(), cancellationToken).ConfigureAwait(false);
            return lease is null ? "NOTFOUND " : "OK " + lease.Expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }
        catch (LeaseStoreException)
        {
            return "NOTFOUND "; // the store logs its outage once
        }
    }
}
