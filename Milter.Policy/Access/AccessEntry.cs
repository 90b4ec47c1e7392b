using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>One <c>KEY VALUE</c> line of the access source, with its action parsed at load time.</summary>
public sealed class AccessEntry : PolicyRule
{
    internal AccessEntry(string key, string value, string file, int line, in AccessValue parsed)
        : base(file, line)
    {
        Key = key;
        Value = value;
        Action = parsed.Action;
        Reply = parsed.Reply;
        QuarantineReason = parsed.QuarantineReason;
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        Tag = colon > 0 && !key.StartsWith("ipv6:", StringComparison.Ordinal) ? key[..(colon + 1)] : string.Empty;
    }

    /// <summary>The key as stored (ASCII lower-cased like makemap without <c>-f</c>).</summary>
    public string Key { get; }

    /// <summary>The value verbatim, internal and trailing blanks (and a DOS <c>\r</c>) kept.</summary>
    public string Value { get; }

    public AccessAction Action { get; }

    /// <summary>Reply for <see cref="AccessAction.Error"/>; for every other action the reply Sendmail gives when the
    /// value is not understood at that stage (<c>553 5.3.0 value</c>).</summary>
    public SmtpReply Reply { get; }

    public string? QuarantineReason { get; }

    /// <summary>The tag including its colon (<c>connect:</c>), or empty for an untagged key.</summary>
    public string Tag { get; }

    public override string ToString() => string.Concat(Location, " ", Key, " ", Value.TrimEnd());
}
