using System.Net;
using Milter.Policy.Model;

namespace Milter.Policy.Dns;

/// <summary>What Sendmail's <c>resolve</c> map (class <c>host</c>) makes of a sender domain in check_mail.</summary>
public enum DomainResolution
{
    /// <summary>An A, AAAA or MX record (after CNAMEs), or the PTR of an address literal: Sendmail's <c>OKR</c>.</summary>
    Resolves,

    /// <summary>No such name, or no address or mail exchanger: <c>PERM</c>, <c>553 5.1.8 … does not exist</c>.</summary>
    DoesNotExist,

    /// <summary>No answer (timeout, SERVFAIL, REFUSED, network): <c>TEMP</c>, <c>451 4.1.8 … does not resolve</c>.</summary>
    DoesNotResolve,
}

/// <summary>
/// The sender domain check of check_mail (spec §1.6; proto.m4 <c>Kresolve host -a&lt;OKR&gt; -T&lt;TEMP&gt;</c>; sendmail
/// domain.c <c>dns_getcanonname</c>, map.c <c>host_map_lookup</c>): a domain resolves when it has an A, AAAA or MX record.
/// A is asked first; NXDOMAIN is final (Sendmail's "definite no"); on NODATA or a failure AAAA and MX are asked too.
/// Any record wins; else any temporary failure makes the answer temporary (fail closed); else the domain does not
/// exist. An address literal (<c>[192.0.2.1]</c>, <c>[IPv6:…]</c>) resolves when its PTR record exists, as
/// gethostbyaddr does for Sendmail. Deliberate differences: the resolver's search list is not applied (a sender domain
/// is looked up as written, absolute), so a domain without a dot does not exist without asking DNS (Sendmail only
/// asks for it with the local search domains appended).
/// </summary>
public static class SenderDomainCheck
{
    /// <summary>Resolves <paramref name="domain"/> (trailing dots allowed) through <paramref name="resolver"/>.</summary>
    public static async ValueTask<DomainResolution> ResolveAsync(IDnsResolver resolver, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(domain);
        var name = domain.Trim().TrimEnd('.');
        if (name.Length > 2 && name[0] == '[' && name[^1] == ']')
        {
            return await ResolveLiteralAsync(resolver, name, cancellationToken).ConfigureAwait(false);
        }

        if (name.Length == 0 || !name.Contains('.', StringComparison.Ordinal) || !IsHostName(name))
        {
            return DomainResolution.DoesNotExist;
        }

        var a = await resolver.QueryAsync(name, DnsRecordType.A, cancellationToken).ConfigureAwait(false);
        switch (a.Status)
        {
            case DnsStatus.Answer:
                return DomainResolution.Resolves;
            case DnsStatus.NameError:
                return DomainResolution.DoesNotExist;
        }

        var aaaa = resolver.QueryAsync(name, DnsRecordType.Aaaa, cancellationToken).AsTask();
        var mx = resolver.QueryAsync(name, DnsRecordType.Mx, cancellationToken).AsTask();
        DnsAnswer[] rest = await Task.WhenAll(aaaa, mx).ConfigureAwait(false);
        if (rest.Any(r => r.Status == DnsStatus.Answer))
        {
            return DomainResolution.Resolves;
        }

        return a.Status == DnsStatus.TemporaryFailure || rest.Any(r => r.Status == DnsStatus.TemporaryFailure)
            ? DomainResolution.DoesNotResolve
            : DomainResolution.DoesNotExist;
    }

    /// <summary>The PTR name of an address literal: <c>1.2.0.192.in-addr.arpa</c>, or the nibbles under <c>ip6.arpa</c>.</summary>
    public static string? ReverseName(ReadOnlySpan<char> literal)
    {
        if (!ClientAddress.TryParse(literal, out var address) || address.ToIPAddress() is not { } ip)
        {
            return null;
        }

        return address.IsIPv6 ? Reverse(ip) + ".ip6.arpa" : Reverse(ip) + ".in-addr.arpa";
    }

    /// <summary>The reversed form DNS lists and PTR names use: <c>4.3.2.1</c> for 1.2.3.4, 32 nibbles for IPv6.</summary>
    public static string Reverse(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}");
        }

        return string.Create(63, bytes, static (span, b) =>
        {
            var pos = 0;
            for (var i = b.Length - 1; i >= 0; i--)
            {
                span[pos++] = "0123456789abcdef"[b[i] & 0xF];
                span[pos++] = '.';
                span[pos++] = "0123456789abcdef"[b[i] >> 4];
                if (pos < span.Length)
                {
                    span[pos++] = '.';
                }
            }
        });
    }

    private static async ValueTask<DomainResolution> ResolveLiteralAsync(IDnsResolver resolver, string literal, CancellationToken cancellationToken)
    {
        if (ClientAddress.TryParse(literal, out var address) && address.IsLoopback)
        {
            return DomainResolution.Resolves; // /etc/hosts names it localhost: no DNS asked
        }

        if (ReverseName(literal) is not { } ptr)
        {
            return DomainResolution.DoesNotExist; // not an address: the host map finds nothing
        }

        var answer = await resolver.QueryAsync(ptr, DnsRecordType.Ptr, cancellationToken).ConfigureAwait(false);
        return answer.Status switch
        {
            DnsStatus.Answer => DomainResolution.Resolves,
            DnsStatus.TemporaryFailure => DomainResolution.DoesNotResolve,
            _ => DomainResolution.DoesNotExist,
        };
    }

    /// <summary>Labels of letters, digits, <c>-</c> and <c>_</c>, 1–63 characters, 253 in all: anything else is not asked.</summary>
    private static bool IsHostName(string name)
    {
        if (name.Length > 253)
        {
            return false;
        }

        var label = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (label == 0)
                {
                    return false;
                }

                label = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                if (++label > 63)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return label > 0;
    }
}
