namespace Milter.Protocol.Client;

/// <summary>How a <see cref="MilterReply"/> came about.</summary>
public enum MilterReplyKind
{
    Answered,
    NotSent,
    NoReply,
}
