namespace Milter.Policy;

/// <summary>What the adapter does with a <see cref="Verdict"/>: the milter response of each is named below.</summary>
public enum VerdictAction
{
    /// <summary>No objection: answer <c>SMFIR_CONTINUE</c>.</summary>
    Continue,

    /// <summary>
    /// Positive decision (OK/RELAY hit, relay granted). Informational: the adapter still answers
    /// <c>SMFIR_CONTINUE</c>, because <c>SMFIR_ACCEPT</c> at envrcpt would skip every later callback.
    /// </summary>
    Accept,

    /// <summary>Permanent failure: <c>SMFIR_REPLYCODE</c> with <see cref="Verdict.Reply"/> (5xx).</summary>
    Reject,

    /// <summary>Temporary failure: <c>SMFIR_REPLYCODE</c> with <see cref="Verdict.Reply"/> (4xx).</summary>
    TempFail,

    /// <summary>Discard the whole message (<c>SMFIR_DISCARD</c>).</summary>
    Discard,

    /// <summary>Accept, then quarantine at EOM with <see cref="Verdict.QuarantineReason"/> (<c>SMFIR_QUARANTINE</c>).</summary>
    Quarantine,
}
