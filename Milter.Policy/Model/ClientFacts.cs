using System.Net;

namespace Milter.Policy.Model;

/// <summary>
/// What the MTA tells us about the client at connect: <c>{client_addr}</c>, <c>{client_name}</c> and
/// <c>{client_resolve}</c>. Parsed once per connection.
/// </summary>
public sealed class ClientFacts
{
    /// <param name="address">Client address in any form (see <see cref="ClientAddress.TryParse"/>); null or empty for a local (UNIX socket) client.</param>
    /// <param name="name">Client host name (<c>{client_name}</c>); <c>[ip]</c> when unresolved; null or empty when unknown.</param>
    /// <param name="resolve"><c>{client_resolve}</c>, if the MTA sends it.</param>
    public ClientFacts(string? address, string? name = null, ClientResolve resolve = ClientResolve.Unknown)
    {
        RawAddress = address ?? string.Empty;
        if (ClientAddress.TryParse(RawAddress, out var parsed))
        {
            Address = parsed;
        }

        Name = NormalizeName(name);
        Resolve = resolve;
    }

    public ClientFacts(IPAddress address, string? name = null, ClientResolve resolve = ClientResolve.Unknown)
        : this(address?.ToString(), name, resolve)
    {
    }

    /// <summary>The address as received.</summary>
    public string RawAddress { get; }

    public ClientAddress Address { get; }

    /// <summary>
    /// The normalised address (v4-mapped turned into IPv4), or null when there is none. Made from <see cref="Address"/> on
    /// each read: the policy itself asks with <see cref="Address"/>, so no connection keeps one.
    /// </summary>
    public IPAddress? IPAddress => Address.IsNone ? null : Address.ToIPAddress();

    /// <summary>Client name without trailing dot; bracketed literals rewritten into Sendmail's form.</summary>
    public string Name { get; }

    public ClientResolve Resolve { get; }

    /// <summary>The name is an address literal (<c>[ip]</c>): the MTA could not resolve it.</summary>
    public bool NameIsLiteral => Name.Length > 1 && Name[0] == '[';

    /// <summary>
    /// Empty, <c>0</c> (Sendmail's <c>{client_addr}</c> of a local submission) or the loopback address: Relay_ok's
    /// "originated locally". <c>0</c> is compared as received: it would parse as 0.0.0.0.
    /// </summary>
    public bool IsLocal => RawAddress.Length == 0 || RawAddress == "0" || Address.IsLoopback;

    private static string NormalizeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        name = name.Trim().TrimEnd('.');
        if (name.Length > 2 && name[0] == '[' && name[^1] == ']' && ClientAddress.TryParse(name, out var literal))
        {
            // Already in Sendmail's form (the MTA's usual [192.0.2.1]): kept, no second string per connection.
            Span<char> form = stackalloc char[ClientAddress.MaxFormattedLength];
            return name.AsSpan(1, name.Length - 2).SequenceEqual(form[..literal.Format(form)]) ? name : "[" + literal + "]";
        }

        return name;
    }
}
