namespace Milter.Policy.Model;

/// <summary>SMTP AUTH facts of the session: <c>{auth_type}</c> and <c>{auth_authen}</c> (sent with envfrom).</summary>
/// <param name="Mechanism">The SASL mechanism (<c>{auth_type}</c>), or null when not authenticated.</param>
/// <param name="User">The authenticated identity (<c>{auth_authen}</c>).</param>
public readonly record struct AuthFacts(string? Mechanism, string? User)
{
    public static AuthFacts None => default;

    public bool IsAuthenticated => !string.IsNullOrEmpty(Mechanism);
}
