using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Session;

/// <summary>
/// What the sessions of one server have in common (their options and logger), held once and referenced by each
/// session instead of copied into it: two references fewer per idle connection. A session made on its own (the
/// public <see cref="MilterSession"/> constructor) gets one of its own, with its name.
/// </summary>
internal sealed class SessionShared(MilterSessionOptions options, ILogger logger, string? connectionName = null)
{
    public MilterSessionOptions Options { get; } = options;

    public ILogger Logger { get; } = logger;

    /// <summary>The name of the one session that owns this (null when shared: sessions are then named by number).</summary>
    public string? ConnectionName { get; } = connectionName;
}
