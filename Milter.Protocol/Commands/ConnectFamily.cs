namespace Milter.Protocol.Commands;

/// <summary>Address family of the SMTP client in CONNECT (<c>SMFIA_*</c>).</summary>
public enum ConnectFamily : byte
{
    /// <summary><c>SMFIA_UNKNOWN</c>: no port or address follows.</summary>
    Unknown = (byte)'U',
    /// <summary><c>SMFIA_UNIX</c>: a socket path.</summary>
    Unix = (byte)'L',
    /// <summary><c>SMFIA_INET</c>: dotted quad (Sendmail also for IPv4-mapped IPv6).</summary>
    Inet = (byte)'4',
    /// <summary><c>SMFIA_INET6</c>: Sendmail writes <c>IPv6:2001:db8::1</c>, Postfix <c>2001:db8::1</c>.</summary>
    Inet6 = (byte)'6',
}
