using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>The parsed RHS of an access entry.</summary>
internal readonly record struct AccessValue(AccessAction Action, SmtpReply Reply, string? QuarantineReason);
