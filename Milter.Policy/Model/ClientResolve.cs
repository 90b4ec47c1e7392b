namespace Milter.Policy.Model;

/// <summary>Sendmail's <c>{client_resolve}</c> macro (not sent to milters by default: add it to confMILTER_MACROS_CONNECT).</summary>
public enum ClientResolve
{
    /// <summary>Macro not available: a bracketed client name counts as unresolved, any other name as resolved.</summary>
    Unknown,
    Ok,
    Fail,
    Forged,
    Temp,
}
