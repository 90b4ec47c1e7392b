using System.IO.Pipelines;

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

    /// <summary>
    /// The result of the read that <see cref="TryOnPendingReadCompleted"/> waited for, once its continuation runs (as
    /// the read's GetResult: throws what it failed with), so the session need not keep the read itself while it waits.
    /// </summary>
    ReadResult TakePendingReadResult();
}
