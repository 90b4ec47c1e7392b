namespace Milter.Policy.Limits;

/// <summary>Clients a limit does not apply to.</summary>
[Flags]
public enum LimitExemptions
{
    None = 0,

    /// <summary>A <c>Connect:</c> access entry answers OK or RELAY for the client (as Sendmail's ratecontrol, which runs at the end of check_relay).</summary>
    ConnectOk = 1,

    /// <summary>The client address holds a lease (POP-before-SMTP, <see cref="Leases.ILeaseStore"/>).</summary>
    Leased = 2,

    /// <summary>The session authenticated (SMTP AUTH, known from MAIL on).</summary>
    Authenticated = 4,

    /// <summary>All of the above.</summary>
    Trusted = ConnectOk | Leased | Authenticated,
}
