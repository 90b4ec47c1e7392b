using System.Buffers;
using Milter.Protocol.Framing;

namespace Milter.Protocol.Responses;

/// <summary>
/// A filter's answer to one step: continue, accept, reject, tempfail, discard, skip, an SMTP reply text,
/// or (Postfix only) shutdown. End-of-message changes are not responses: they go through the context.
/// </summary>
public readonly struct MilterResponse : IEquatable<MilterResponse>
{
    private MilterResponse(MilterResponseCode code, string? replyText)
    {
        Code = code;
        ReplyText = replyText;
    }

    public MilterResponseCode Code { get; }

    /// <summary>The escaped SMTP reply for <see cref="MilterResponseCode.ReplyCode"/>; null otherwise.</summary>
    public string? ReplyText { get; }

    public static MilterResponse Continue { get; } = new(MilterResponseCode.Continue, null);

    public static MilterResponse Accept { get; } = new(MilterResponseCode.Accept, null);

    public static MilterResponse Reject { get; } = new(MilterResponseCode.Reject, null);

    public static MilterResponse TempFail { get; } = new(MilterResponseCode.TempFail, null);

    public static MilterResponse Discard { get; } = new(MilterResponseCode.Discard, null);

    /// <summary>Skip further events of this kind; only when SKIP was negotiated, otherwise sent as continue.</summary>
    public static MilterResponse Skip { get; } = new(MilterResponseCode.Skip, null);

    /// <summary>421 and disconnect: Postfix honours it, Sendmail 8.17 treats it as a milter error.</summary>
    public static MilterResponse Shutdown { get; } = new(MilterResponseCode.Shutdown, null);

    /// <summary>SMFIR_CONN_FAIL: accepted by neither MTA; exists for completeness and tests.</summary>
    public static MilterResponse ConnectionFailure { get; } = new(MilterResponseCode.ConnectionFailure, null);

    /// <summary>
    /// Reject (5xx) or tempfail (4xx) with an SMTP reply: <c>Reply("550", "5.7.1", "first line", "second line")</c>.
    /// Lines are escaped (<c>%</c> → <c>%%</c>) and checked; a bad code or line throws <see cref="ArgumentException"/>.
    /// </summary>
    public static MilterResponse Reply(string replyCode, string? enhancedCode, params string[] lines) =>
        new(MilterResponseCode.ReplyCode, SmtpReply.Format(replyCode, enhancedCode, lines));

    /// <summary>True for a verdict that ends the message (or connection) for this filter.</summary>
    public bool IsFinal => Code is MilterResponseCode.Accept or MilterResponseCode.Reject or MilterResponseCode.TempFail
        or MilterResponseCode.Discard or MilterResponseCode.ReplyCode or MilterResponseCode.Shutdown or MilterResponseCode.ConnectionFailure;

    /// <summary>True for reject, tempfail and reply-code answers.</summary>
    public bool IsRejection => Code is MilterResponseCode.Reject or MilterResponseCode.TempFail or MilterResponseCode.ReplyCode;

    public void Write(IBufferWriter<byte> output)
    {
        if (Code == MilterResponseCode.ReplyCode)
        {
            string text = ReplyText ?? string.Empty;
            MilterFrameWriter.WriteHeader(output, (byte)Code, text.Length + 1);
            MilterFrameWriter.WriteCString(output, text);
        }
        else
        {
            MilterFrameWriter.WriteEmpty(output, (byte)Code);
        }
    }

    public override string ToString() => ReplyText is null ? Code.ToString() : $"{Code} \"{ReplyText}\"";

    public bool Equals(MilterResponse other) => Code == other.Code && ReplyText == other.ReplyText;

    public override bool Equals(object? obj) => obj is MilterResponse other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Code, ReplyText);

    public static bool operator ==(MilterResponse left, MilterResponse right) => left.Equals(right);

    public static bool operator !=(MilterResponse left, MilterResponse right) => !left.Equals(right);
}
