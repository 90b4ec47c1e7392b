using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// The message-scoped state of a <see cref="LimitGate"/>: the sender and user keys (kept as their hashes; the key's
/// text is made from the sender or user on demand), the Authenticated exemption and the recipient count. Made at the
/// session's first MAIL and reused by its later messages, so an idle session holds one null reference, not these fields.
/// </summary>
internal sealed class LimitMessage
{
    private ulong _senderHi;
    private ulong _senderLo;
    private ulong _userHi;
    private ulong _userLo;
    private bool _hasSenderKey; // false for the null sender <>

    /// <summary>The sender as given at MAIL (the mail bomb's pair is made from it).</summary>
    public string? Sender { get; private set; }

    /// <summary>{auth_authen} when the user key exists: authenticated and not empty.</summary>
    public string? User { get; private set; }

    /// <summary>The MAIL was authenticated (the Authenticated exemption).</summary>
    public bool Authenticated { get; private set; }

    /// <summary>Recipients counted for this message (a refused one is given back).</summary>
    public int Recipients { get; set; }

    /// <summary>The sender's key, or null for the null sender <c>&lt;&gt;</c>.</summary>
    public LimitKey? SenderKey => _hasSenderKey ? LimitKey.FromHash(LimitScope.Sender, _senderHi, _senderLo, Sender) : null;

    /// <summary>The user's key, or null when not authenticated (or with no user).</summary>
    public LimitKey? UserKey => User is null ? null : LimitKey.FromHash(LimitScope.User, _userHi, _userLo, User);

    /// <summary>A new message (MAIL): every field is replaced, the recipient count starts again.</summary>
    public void Begin(string? sender, AuthFacts auth)
    {
        Sender = sender;
        Authenticated = auth.IsAuthenticated;
        Recipients = 0;
        var senderKey = LimitKey.ForSender(sender);
        _hasSenderKey = senderKey.HasValue;
        (_senderHi, _senderLo) = senderKey is { } s ? (s.Hi, s.Lo) : default;
        var userKey = auth.IsAuthenticated ? LimitKey.ForUser(auth.User) : null;
        User = userKey.HasValue ? auth.User : null;
        (_userHi, _userLo) = userKey is { } u ? (u.Hi, u.Lo) : default;
    }
}
