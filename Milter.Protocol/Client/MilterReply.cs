using Milter.Protocol.Responses;

namespace Milter.Protocol.Client;

/// <summary>What the milter answered to one command, as the MTA side sees it.</summary>
public readonly record struct MilterReply(MilterResponseCode Code, string? Text, MilterReplyKind Kind, int ProgressCount = 0)
{
    /// <summary>The step was negotiated away (<c>SMFIP_NO*</c>), so nothing was sent.</summary>
    public static MilterReply NotSent { get; } = new(MilterResponseCode.Continue, null, MilterReplyKind.NotSent);

    /// <summary>The step was sent but is a no-reply step (<c>SMFIP_NR_*</c>).</summary>
    public static MilterReply NoReply { get; } = new(MilterResponseCode.Continue, null, MilterReplyKind.NoReply);

    public bool IsContinue => Code == MilterResponseCode.Continue;

    public override string ToString() => Kind switch
    {
        MilterReplyKind.NotSent => "(not sent)",
        MilterReplyKind.NoReply => "(no reply)",
        _ => Text is null ? $"'{(char)Code}' {Code}" : $"'{(char)Code}' {Code} \"{Text}\"",
    };
}
