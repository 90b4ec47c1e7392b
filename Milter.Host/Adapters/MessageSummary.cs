namespace Milter.Host.Adapters;

/// <summary>
/// What <see cref="PolicyMilterHandler"/> keeps of the current message for its summary line: the accepted recipients
/// (their count, the first one and its rule; the sender is the transaction's). Made at the connection's first accepted
/// recipient and reused by its later messages, so an idle connection holds one null reference, not these fields.
/// </summary>
internal sealed class MessageSummary
{
    /// <summary>Recipients accepted in this message.</summary>
    public int Accepted { get; private set; }

    /// <summary>The first accepted recipient, as given at RCPT.</summary>
    public string? FirstRecipient { get; private set; }

    /// <summary>The rule (or built-in reason) that accepted <see cref="FirstRecipient"/>.</summary>
    public string? AcceptedBy { get; private set; }

    /// <summary>One more accepted recipient; the first one and its rule are kept.</summary>
    public void Accept(string? recipient, string rule)
    {
        Accepted++;
        FirstRecipient ??= recipient;
        AcceptedBy ??= rule;
    }

    /// <summary>The message ended (or a new one began): nothing accepted yet.</summary>
    public void Clear()
    {
        Accepted = 0;
        FirstRecipient = null;
        AcceptedBy = null;
    }
}
