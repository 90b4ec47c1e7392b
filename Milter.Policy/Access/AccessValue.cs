using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>The parsed RHS of an access entry.</summary>
/// <param name="Action">What the value asks for.</param>
/// <param name="Reply">The reply of an error value; for any other value the generic error (<c>553 5.3.0 value</c>).</param>
/// <param name="QuarantineReason">The reason of a QUARANTINE: value.</param>
/// <param name="AddressReply">The reply when a From:/To: check found the value, if it differs from <paramref name="Reply"/>
/// (an unquoted '&gt;' in the text: those rulesets match <c>&lt;ERROR:$+&gt; $*</c> and end the text at the first '&gt;').</param>
/// <param name="AddressQuarantineReason">The same for the QUARANTINE reason.</param>
internal readonly record struct AccessValue(AccessAction Action, PolicyReply Reply, string? QuarantineReason,
    PolicyReply? AddressReply = null, string? AddressQuarantineReason = null);
