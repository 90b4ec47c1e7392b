using System.Diagnostics.CodeAnalysis;

namespace Milter.Protocol;

/// <summary>A peer broke the milter protocol; the connection it came from cannot continue.</summary>
public sealed class MilterProtocolException : Exception
{
    public MilterProtocolException(ProtocolViolation violation, string message)
        : base(message) => Violation = violation;

    public MilterProtocolException(string message, Exception innerException)
        : base(message, innerException) => Violation = ProtocolViolation.EndOfStreamMidFrame;

    /// <summary>The kind of violation, for logs and metrics.</summary>
    public ProtocolViolation Violation { get; }

    [DoesNotReturn]
    internal static void Throw(ProtocolViolation violation, string message) =>
        throw new MilterProtocolException(violation, message);
}
