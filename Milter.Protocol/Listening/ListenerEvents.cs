using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Listening;

/// <summary>
/// The accept loop's log: every failure or refusal that can repeat at the peer's pace is an <see cref="Episode"/>
/// (a line when it begins, a line with the count when it ends); an unexpected accept error is logged once per kind.
/// Used from the accept loop only.
/// </summary>
internal sealed class ListenerEvents(string name, ILogger logger, TimeProvider time, int maxConnections, int maxPerPeer)
{
    private readonly Episode _exhausted = new(time);
    private readonly Episode _failing = new(time);
    private readonly Episode _full = new(time);
    private readonly Episode _nearLimit = new(time);
    private readonly Dictionary<string, Episode> _peersFull = new(StringComparer.Ordinal);
    private readonly HashSet<string> _errorsLogged = new(StringComparer.Ordinal);
    private string _lastError = string.Empty;

    public void AcceptFailed(Exception exception, AcceptError kind, int open)
    {
        _lastError = AcceptErrors.Describe(exception);
        if (kind == AcceptError.Exhausted)
        {
            if (_exhausted.Record())
            {
                Log.AcceptExhausted(logger, name, AcceptErrors.Resource(exception), _lastError, open, AcceptBackoff.MaxDelay);
            }

            return;
        }

        _failing.Record();
        string key = exception is SocketException socket ? "socket " + socket.SocketErrorCode : exception.GetType().FullName!;
        if (_errorsLogged.Add(key))
        {
            Log.AcceptFailed(logger, exception, name, _lastError);
        }
    }

    public void AcceptSucceeded()
    {
        bool exhausted = _exhausted.TryEnd(out long lacking, out double lackingSeconds);
        bool failing = _failing.TryEnd(out long failed, out double failingSeconds);
        if (exhausted || failing)
        {
            Log.AcceptResumed(logger, name, lacking + failed, Math.Max(lackingSeconds, failingSeconds), _lastError);
        }
    }

    /// <summary>A connection closed at accept: over the listener's cap (<paramref name="peer"/> null) or over its peer's.</summary>
    public void Refused(string? peer)
    {
        if (peer is null)
        {
            if (_full.Record())
            {
                Log.ConnectionLimitReached(logger, name, maxConnections);
            }

            return;
        }

        if (!_peersFull.TryGetValue(peer, out Episode? episode))
        {
            _peersFull[peer] = episode = new Episode(time);
        }

        if (episode.Record())
        {
            Log.PeerLimitReached(logger, name, peer, maxPerPeer);
        }
    }

    /// <summary>A connection closed at accept because its descriptor came within the headroom of RLIMIT_NOFILE.</summary>
    public void RefusedNearDescriptorLimit(long descriptor, long limit)
    {
        if (_nearLimit.Record())
        {
            Log.DescriptorHeadroomReached(logger, name, descriptor, limit, DescriptorHeadroom.Size);
        }
    }

    public void Admitted(string? peer)
    {
        if (_nearLimit.Active && _nearLimit.TryEnd(out long near, out double nearSeconds))
        {
            Log.DescriptorRefusalsEnded(logger, name, near, nearSeconds);
        }

        if (_full.Active && _full.TryEnd(out long count, out double seconds))
        {
            Log.RefusalsEnded(logger, name, count, seconds, maxConnections);
        }

        if (peer is not null && _peersFull.Remove(peer, out Episode? episode) && episode.TryEnd(out count, out seconds))
        {
            Log.PeerRefusalsEnded(logger, name, count, peer, seconds, maxPerPeer);
        }
    }
}
