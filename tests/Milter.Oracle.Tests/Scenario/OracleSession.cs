namespace Milter.Oracle.Tests.Scenario;

/// <summary>
/// One SMTP session as both sides see it: the client (<c>{client_addr}</c> in Sendmail's form, <c>{client_name}</c>,
/// <c>{client_resolve}</c>), the SMTP AUTH mechanism (<c>{auth_type}</c>, null when not authenticated) and the
/// MAIL and RCPT arguments exactly as the client wrote them.
/// </summary>
public sealed record OracleSession(
    int Id, string ClientAddress, string ClientName, string Resolve, string? AuthType, string Sender, IReadOnlyList<string> Recipients)
{
    public override string ToString() =>
        $"client {ClientAddress} name {ClientName} resolve {Resolve}, auth {AuthType ?? "none"}, MAIL FROM:{Sender}, " +
        string.Join(", ", Recipients.Select(r => "RCPT TO:" + r));
}
