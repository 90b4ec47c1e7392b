using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>One <c>KEY VALUE</c> line of the access source, with its action parsed at load time.</summary>
public sealed class AccessEntry : PolicyRule
{
    private readonly AccessRhs _rhs;

    internal AccessEntry(string key, string tag, AccessRhs rhs, string file, int line)
        : base(file, line)
    {
        Key = key;
        Tag = tag;
        _rhs = rhs;
    }

    /// <summary>The key as stored (ASCII lower-cased like makemap without <c>-f</c>).</summary>
    public string Key { get; }

    /// <summary>The value verbatim, internal and trailing blanks (and a DOS <c>\r</c>) kept.</summary>
    public string Value => _rhs.Value;

    public AccessAction Action => _rhs.Action;

    /// <summary>Reply for <see cref="AccessAction.Error"/>; for every other action the reply Sendmail gives when the
    /// value is not understood at that stage (<c>553 5.3.0 value</c>).</summary>
    public PolicyReply Reply => _rhs.Reply;

    public string? QuarantineReason => _rhs.QuarantineReason;

    /// <summary>The reply Sendmail gives when a From: or To: check finds this entry: <see cref="Reply"/>, except that an
    /// unquoted text ends at its first '&gt;' there (check_mail and blocklist_recipients match <c>&lt;ERROR:$+&gt; $*</c>).</summary>
    public PolicyReply AddressReply => _rhs.AddressReply;

    public string? AddressQuarantineReason => _rhs.AddressQuarantineReason;

    /// <summary>The tag including its colon (<c>connect:</c>), or empty for an untagged key.</summary>
    public string Tag { get; }

    internal override string TraceText => Value.TrimEnd();

    public override string ToString() => string.Concat(Location, " ", Key, " ", Value.TrimEnd());
}
