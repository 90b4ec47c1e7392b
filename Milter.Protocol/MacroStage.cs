namespace Milter.Protocol;

/// <summary>Stage numbers of macro symbol lists in the OPTNEG reply (<c>SMFIM_*</c>).</summary>
public enum MacroStage : uint
{
    /// <summary><c>SMFIM_CONNECT</c>.</summary>
    Connect = 0,
    /// <summary><c>SMFIM_HELO</c>.</summary>
    Helo = 1,
    /// <summary><c>SMFIM_ENVFROM</c>.</summary>
    Mail = 2,
    /// <summary><c>SMFIM_ENVRCPT</c>.</summary>
    Rcpt = 3,
    /// <summary><c>SMFIM_DATA</c>.</summary>
    Data = 4,
    /// <summary><c>SMFIM_EOM</c>. Sendmail 8.17 honours it only when an EOH list is sent too.</summary>
    EndOfMessage = 5,
    /// <summary><c>SMFIM_EOH</c> (added after EOM, hence out of order).</summary>
    EndOfHeaders = 6,
}
