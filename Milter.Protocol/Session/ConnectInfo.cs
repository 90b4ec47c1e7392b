using System.Net;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Session;

/// <summary>
/// The SMTP client of the current session, copied out of the CONNECT packet: a value kept inside its connection (no
/// object of its own per connection).
/// </summary>
/// <param name="Hostname">Reverse-DNS name or <c>[1.2.3.4]</c>.</param>
/// <param name="Family">Address family.</param>
/// <param name="Port">Client port (0 when unknown or UNIX).</param>
/// <param name="Address">The address text as the MTA sent it (Sendmail prefixes IPv6 with <c>IPv6:</c>).</param>
public readonly record struct ConnectInfo(string Hostname, ConnectFamily Family, ushort Port, string Address)
{
    /// <summary>
    /// The parsed address for families 4 and 6, prefix removed; null otherwise. Parsed from <see cref="Address"/> at
    /// each call: a connection keeps only the text (an idle connection holds no <see cref="System.Net.IPAddress"/>).
    /// </summary>
    public IPAddress? IPAddress => ConnectCommand.TryParseAddress(Family, Address, out IPAddress? address) ? address : null;

    internal static ConnectInfo From(in ConnectCommand command) =>
        new(command.Hostname.ToString(), command.Family, command.Port, command.Address.ToString());
}
