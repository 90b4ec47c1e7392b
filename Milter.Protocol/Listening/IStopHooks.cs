namespace Milter.Protocol.Listening;

/// <summary>What a <see cref="ListenerConnection"/>'s handler does when its listener stops (see <see cref="ListenerConnection.OnStop(Action{object?}, Action{object?}?, object?)"/>).</summary>
internal interface IStopHooks
{
    /// <summary>Phase one: end at the next point where the peer loses nothing.</summary>
    void CloseRequested();

    /// <summary>Phase two: the listener gave up waiting; end now.</summary>
    void Abort();
}
