namespace Milter.Policy.Dns;

/// <summary>How a query ended, in the terms the policy needs (glibc's h_errno as Sendmail reads it).</summary>
public enum DnsStatus
{
    /// <summary>Records of the asked type (after CNAMEs).</summary>
    Answer,

    /// <summary>The name exists without records of that type (NOERROR, empty answer: NO_DATA).</summary>
    NoData,

    /// <summary>NXDOMAIN: the name does not exist (HOST_NOT_FOUND).</summary>
    NameError,

    /// <summary>
    /// No usable answer: timeout, SERVFAIL, REFUSED, a network or format error (TRY_AGAIN). The policy treats it as a
    /// temporary failure, never as an answer.
    /// </summary>
    TemporaryFailure,
}
