namespace Milter.Policy.Model;

/// <summary>The SMTP stage a <see cref="Verdict"/> answers.</summary>
public enum PolicyStage
{
    Connect,
    Helo,
    Mail,
    Rcpt,
}
