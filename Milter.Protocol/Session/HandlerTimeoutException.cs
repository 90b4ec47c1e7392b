namespace Milter.Protocol.Session;

/// <summary>A handler did not answer <see cref="Command"/> within the session's handler timeout.</summary>
internal sealed class HandlerTimeoutException(MilterCommandCode command) : Exception($"handler timeout at {command}")
{
    public MilterCommandCode Command { get; } = command;
}
