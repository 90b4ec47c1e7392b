using Milter.Protocol.Responses;

namespace Milter.Protocol.Client;

/// <summary>The end-of-message exchange: the changes the milter asked for, in order, and its final reply.</summary>
public sealed record EndOfMessageResult(MilterReply Reply, IReadOnlyList<MessageModification> Modifications)
{
    /// <summary>The replacement body (the REPLBODY chunks concatenated), or null when the body was not replaced.</summary>
    public byte[]? ReplacementBody
    {
        get
        {
            var chunks = Modifications.Where(m => m.Code == MilterResponseCode.ReplaceBody).ToList();
            if (chunks.Count == 0)
            {
                return null;
            }

            var body = new byte[chunks.Sum(c => c.Body.Length)];
            int at = 0;
            foreach (MessageModification chunk in chunks)
            {
                chunk.Body.Span.CopyTo(body.AsSpan(at));
                at += chunk.Body.Length;
            }

            return body;
        }
    }
}
