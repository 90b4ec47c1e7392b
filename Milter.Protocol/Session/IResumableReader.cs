namespace Milter.Protocol.Session;

/// <summary>
/// A reader whose pending read can call back with a state, so that a session waiting on it keeps no delegate of its
/// own (an awaiter's continuation is an <see cref="Action"/>: 64 bytes for every idle connection).
/// </summary>
internal interface IResumableReader
{
    /// <summary>
    /// When the read that the last ReadAsync returned is still pending and can: arranges for
    /// <paramref name="continuation"/>(<paramref name="state"/>) to run once it completes (on no particular thread,
    /// with no execution context) and returns true. False when the caller must use the read's awaiter instead.
    /// </summary>
    bool TryOnPendingReadCompleted(Action<object?> continuation, object? state);
}
