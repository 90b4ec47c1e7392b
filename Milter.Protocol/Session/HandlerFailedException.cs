namespace Milter.Protocol.Session;

/// <summary>A handler threw at <see cref="Command"/> (its exception is the inner one).</summary>
internal sealed class HandlerFailedException(MilterCommandCode command, Exception inner) : Exception($"handler failed at {command}", inner)
{
    public MilterCommandCode Command { get; } = command;
}
