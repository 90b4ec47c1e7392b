using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy.Access;

/// <summary>
/// A Sendmail class (R = relay-domains, w = local host names, m = local domains). Membership is exact and
/// case-insensitive (stab.c); suffix and prefix walks probe one entry per label/octet, never scan.
/// </summary>
public sealed class HostClass
{
    private readonly Dictionary<string, ClassEntry> _names;
    private readonly Dictionary<string, ClassEntry>.AlternateLookup<ReadOnlySpan<char>> _byspan;

    /// <summary>Bit n set = some member is n chars long. Classes are small and walks probe many lengths that none has.</summary>
    private readonly ulong[] _lengths;

    internal HostClass(char name, Dictionary<string, ClassEntry> names)
    {
        Name = name;
        _names = names;
        _byspan = names.GetAlternateLookup<ReadOnlySpan<char>>();
        _lengths = new ulong[(names.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max() >> 6) + 1];
        foreach (var key in names.Keys)
        {
            _lengths[key.Length >> 6] |= 1UL << key.Length;
        }
    }

    /// <summary>The class letter.</summary>
    public char Name { get; }

    public int Count => _names.Count;

    public IEnumerable<string> Members => _names.Keys;

    public bool Contains(string name) => _names.ContainsKey(name);

    internal static Dictionary<string, ClassEntry> NewMap() => new(StringComparer.OrdinalIgnoreCase);

    internal static HostClass Empty(char name) => new(name, NewMap());

    internal ClassEntry? Find(ReadOnlySpan<char> name, PolicyTrace? trace)
    {
        // OrdinalIgnoreCase equality implies equal length.
        var index = name.Length >> 6;
        var hit = index < _lengths.Length && (_lengths[index] & (1UL << name.Length)) != 0 && _byspan.TryGetValue(name, out var entry) ? entry : null;
        trace?.Probe(TraceMaps.ForClass(Name), name, hit);
        return hit;
    }

    /// <summary>Domain or any parent domain (label boundary) is a member; exact only with relay_hosts_only.</summary>
    internal ClassEntry? FindDomainSuffix(ReadOnlySpan<char> domain, bool exactOnly, PolicyTrace? trace)
    {
        while (!domain.IsEmpty)
        {
            var hit = Find(domain, trace);
            if (hit is not null || exactOnly)
            {
                return hit;
            }

            var dot = domain.IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            domain = domain[(dot + 1)..];
        }

        return null;
    }

    /// <summary>Client address starts with a member: octet prefixes (1.2.3.4, 1.2.3, …) or IPv6 group prefixes.</summary>
    internal ClassEntry? FindAddressPrefix(in ClientAddress address, PolicyTrace? trace)
    {
        if (address.IsNone || _names.Count == 0)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[ClientAddress.MaxFormattedLength];
        var end = address.Format(buffer);
        var separator = address.IsIPv4 ? '.' : ':';
        var minimum = address.IsIPv4 ? 1 : 5;
        while (end >= minimum)
        {
            var hit = Find(buffer[..end], trace);
            if (hit is not null)
            {
                return hit;
            }

            var cut = buffer[..end].LastIndexOf(separator);
            if (cut < minimum)
            {
                return null;
            }

            end = cut;
        }

        return null;
    }
}
