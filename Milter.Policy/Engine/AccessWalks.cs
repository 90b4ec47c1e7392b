using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Engine;

/// <summary>
/// Sendmail's lookup walks (proto.m4 LookUpDomain, LookUpAddress, SearchList). Keys are composed in a stack buffer (ASCII lower-cased while copying) and probed through
/// the span alternate lookup: no string is built per probe. Every step tries <c>Tag:key</c>, then the bare key
/// unless the caller needs the tag only. The first hit ends the walk.
/// </summary>
internal static class AccessWalks
{
    public const string Connect = "connect:";
    public const string From = "from:";
    public const string To = "to:";
    public const string Spam = "spam:";

    private static AccessEntry? Pair(in Lookup lookup, ReadOnlySpan<char> tagged, int tagLength, bool tagOnly)
    {
        var hit = lookup.Find(tagged);
        return hit is not null || tagOnly ? hit : lookup.FindBare(tagged[tagLength..]);
    }

    /// <summary>D walk: <c>host.sub.tld</c>, <c>sub.tld</c>, <c>tld</c> (with lookupdotdomain also <c>.sub.tld</c> …); literals by octet/group.</summary>
    public static AccessEntry? Domain(in Lookup lookup, string tag, ReadOnlySpan<char> domain, bool tagOnly, bool dotDomain, bool exactOnly)
    {
        if (domain.IsEmpty)
        {
            return null;
        }

        if (domain[0] == '[')
        {
            return Literal(lookup, tag, domain, tagOnly, exactOnly);
        }

        var tagLength = tag.Length;
        if (tagLength + domain.Length > KeyText.MaxKey)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[tagLength + domain.Length];
        KeyText.CopyLower(domain, buffer[tagLength..]);
        var end = tagLength + domain.Length;
        var start = tagLength;
        while (true)
        {
            tag.CopyTo(buffer[(start - tagLength)..]);
            var hit = Pair(lookup, buffer[(start - tagLength)..end], tagLength, tagOnly);
            if (hit is not null || exactOnly)
            {
                return hit;
            }

            var dot = buffer[start..end].IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            start += dot + 1;
            if (dotDomain)
            {
                tag.CopyTo(buffer[(start - 1 - tagLength)..]);
                hit = Pair(lookup, buffer[(start - 1 - tagLength)..end], tagLength, tagOnly);
                if (hit is not null)
                {
                    return hit;
                }
            }
        }
    }

    /// <summary><c>[1.2.3.4]</c>, <c>[1.2.3]</c>, <c>[1.2]</c>, <c>[1]</c>; <c>[IPv6:a:b:…]</c> by colon group.</summary>
    private static AccessEntry? Literal(in Lookup lookup, string tag, ReadOnlySpan<char> literal, bool tagOnly, bool exactOnly)
    {
        var tagLength = tag.Length;
        if (tagLength + literal.Length > KeyText.MaxKey)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[tagLength + Math.Max(literal.Length, ClientAddress.MaxFormattedLength + 2)];
        tag.CopyTo(buffer);
        int end;
        char separator;
        if (literal[^1] == ']' && ClientAddress.TryParse(literal, out var address))
        {
            buffer[tagLength] = '[';
            end = tagLength + 1 + address.Format(buffer[(tagLength + 1)..]);
            KeyText.CopyLower(buffer[tagLength..end], buffer[tagLength..]);
            buffer[end++] = ']';
            separator = address.IsIPv4 ? '.' : ':';
        }
        else
        {
            if (tagLength + literal.Length > KeyText.MaxKey)
            {
                return null;
            }

            end = tagLength + KeyText.CopyLower(literal, buffer[tagLength..]);
            return Pair(lookup, buffer[..end], tagLength, tagOnly);
        }

        while (true)
        {
            var hit = Pair(lookup, buffer[..end], tagLength, tagOnly);
            if (hit is not null || exactOnly)
            {
                return hit;
            }

            var cut = buffer[(tagLength + 1)..(end - 1)].LastIndexOf(separator);
            if (cut < 0)
            {
                return null;
            }

            end = tagLength + 1 + cut;
            buffer[end++] = ']';
        }
    }

    /// <summary>
    /// A walk on the client address: IPv4 by octet (<c>1.2.3.4</c> … <c>1</c>), IPv6 by group in the uncompressed
    /// form (<c>IPv6:2001:db8:0:…</c> … <c>IPv6:2001</c>, <c>IPv6</c>). With <paramref name="cidr"/> the
    /// <c>Connect:</c> CIDR entries are interleaved longest prefix first (equal length: the octet key first).
    /// </summary>
    public static AccessEntry? Address(in Lookup lookup, string tag, in ClientAddress address, bool tagOnly, bool cidr)
    {
        if (address.IsNone)
        {
            return null;
        }

        var tagLength = tag.Length;
        Span<char> buffer = stackalloc char[32 + ClientAddress.MaxFormattedLength];
        tag.CopyTo(buffer);
        var end = tagLength + address.Format(buffer[tagLength..]);
        KeyText.CopyLower(buffer[tagLength..end], buffer[tagLength..]);
        var v4 = address.IsIPv4;
        var table = cidr ? (v4 ? lookup.Table.ConnectV4 : lookup.Table.ConnectV6) : null;
        ReadOnlySpan<int> lengths = table is null ? [] : table.LengthsDescending;
        var bits = v4 ? address.V4 : address.V6;
        var level = v4 ? 32 : 128;
        var step = v4 ? 8 : 16;
        var separator = v4 ? '.' : ':';
        var next = 0;
        while (true)
        {
            AccessEntry? hit;
            while (next < lengths.Length && lengths[next] > level)
            {
                if ((hit = Cidr(lookup, table!, tag, v4, lengths[next++], bits)) is not null)
                {
                    return hit;
                }
            }

            if ((hit = Pair(lookup, buffer[..end], tagLength, tagOnly)) is not null)
            {
                return hit;
            }

            while (next < lengths.Length && lengths[next] == level)
            {
                if ((hit = Cidr(lookup, table!, tag, v4, lengths[next++], bits)) is not null)
                {
                    return hit;
                }
            }

            var cut = buffer[tagLength..end].LastIndexOf(separator);
            if (cut < 0)
            {
                break;
            }

            end = tagLength + cut;
            level -= step;
        }

        while (next < lengths.Length)
        {
            var hit = Cidr(lookup, table!, tag, v4, lengths[next++], bits);
            if (hit is not null)
            {
                return hit;
            }
        }

        return null;
    }

    private static AccessEntry? Cidr(in Lookup lookup, CidrTable table, string tag, bool v4, int length, UInt128 bits)
    {
        var hit = table.Find(length, bits);
        if (lookup.Trace is { } trace)
        {
            var network = bits & table.Mask(length);
            var text = v4 ? ClientAddress.FromIPv4((uint)network) : ClientAddress.FromIPv6(network);
            trace.Probe(Tracing.TraceMaps.Access, $"{tag}{text}/{length}", hit);
        }

        return hit;
    }

    /// <summary>
    /// Address search (proto.m4 SearchList): F <c>user+det@dom</c>, <c>user+*@dom</c>, <c>user@dom</c>; U the same with
    /// <c>@</c> and no domain; D the domain walk. Order F, U, D — or F, D, U for <c>Spam:</c>.
    /// </summary>
    public static AccessEntry? Mailbox(in Lookup lookup, string tag, in EnvelopeAddress address, bool tagOnly, bool userLookups,
        bool domainBeforeUser, bool dotDomain)
    {
        if (!address.HasDomain)
        {
            return null;
        }

        var local = address.Local;
        var domain = address.Domain;
        var plus = local.IndexOf('+');
        var user = plus >= 0 ? local[..plus] : local;
        AccessEntry? hit;
        if (plus >= 0)
        {
            if ((hit = Compose(lookup, tag, local, "@", domain, tagOnly)) is not null ||
                (hit = Compose(lookup, tag, user, "+*@", domain, tagOnly)) is not null)
            {
                return hit;
            }
        }

        if ((hit = Compose(lookup, tag, user, "@", domain, tagOnly)) is not null)
        {
            return hit;
        }

        if (domainBeforeUser && (hit = Domain(lookup, tag, domain, tagOnly, dotDomain, exactOnly: false)) is not null)
        {
            return hit;
        }

        if (userLookups)
        {
            if (plus >= 0)
            {
                if ((hit = Compose(lookup, tag, local, "@", default, tagOnly)) is not null ||
                    (hit = Compose(lookup, tag, user, "+*@", default, tagOnly)) is not null)
                {
                    return hit;
                }
            }

            if ((hit = Compose(lookup, tag, user, "@", default, tagOnly)) is not null)
            {
                return hit;
            }
        }

        return domainBeforeUser ? null : Domain(lookup, tag, domain, tagOnly, dotDomain, exactOnly: false);
    }

    /// <summary>Probes <c>tag + a + b + c</c> (and the untagged form).</summary>
    public static AccessEntry? Compose(in Lookup lookup, string tag, ReadOnlySpan<char> a, ReadOnlySpan<char> b, ReadOnlySpan<char> c, bool tagOnly)
    {
        var length = tag.Length + a.Length + b.Length + c.Length;
        if (length > KeyText.MaxKey)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[length];
        tag.CopyTo(buffer);
        var pos = tag.Length;
        pos += KeyText.CopyLower(a, buffer[pos..]);
        pos += KeyText.CopyLower(b, buffer[pos..]);
        pos += KeyText.CopyLower(c, buffer[pos..]);
        return Pair(lookup, buffer[..pos], tag.Length, tagOnly);
    }
}
