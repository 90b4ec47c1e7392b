namespace Milter.Protocol.Session;

/// <summary>Who started a <see cref="MilterSession"/> and hears when it has ended (a listener's connection, or <see cref="MilterSession.RunAsync"/>).</summary>
internal interface ISessionOwner
{
    /// <summary>What the handlers are given: cancelled when the session must end now (the owner's stop gave up waiting).</summary>
    CancellationToken Token { get; }

    /// <summary>The session's number on its listener (0 for a session run on its own): its name in logs, in hex.</summary>
    long ConnectionNumber { get; }

    /// <summary>The session has ended and both pipes are completed; <paramref name="error"/> is a failure not the session's to report, or null.</summary>
    void SessionEnded(Exception? error);
}
